// GET /search on the admin HTTP API: full-text search of room
// history on behalf of one user, who is shown only what the room rules let them read.
//
//   GET /search?user=ACCOUNT&q=WORDS[&room=%23name][&limit=1-100][&before=CURSOR]
//
// 200 {"user", "room", "results": [{"id", "msgid", "room", "sender", "account",
// "time", "command", "text"}], "next": CURSOR | null}, newest first; pass `next` as
// `before` for the following page. 400 for a missing or bad parameter, 404
// {"error": "no such room"} for a room the user may not read (as for a missing one),
// 503 when the store cannot answer. Each search that runs is logged with the user it
// reads as, the room and `asker` (who sent the request: address and user agent).
// Runs on the event loop; the query runs on the reader pool.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <string>
#include <string_view>

namespace pchat::server {

class Server;

struct HttpAnswer {
  int status = 500;
  std::string body;  // JSON
};

boost::asio::awaitable<HttpAnswer> http_search(Server& srv, std::string_view target,
                                               const std::string& asker);

}  // namespace pchat::server
