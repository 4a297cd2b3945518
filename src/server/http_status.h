// The operators' status page on the admin API (server/http.h), its files and its
// data:
//   GET /status, /status/            the page (web/status/index.html)
//   GET /status/status.js, .css      its script and style
//   GET /status.json                 one snapshot of server/status_feed.h's JSON
//   GET /status/events               the same, live: a text/event-stream with one
//                                    `event: status` each time the feed has a new
//                                    snapshot (every 2 s), a comment every 15 s
// Who may use it: the page's three files hold no data and are open (a browser
// loads them before it has the token; the page then asks for the token); the two
// data paths need the admin token like the rest of the admin API (a browser sends
// it from the page: fetch with `Authorization: Bearer`).
// The page is served with a Content-Security-Policy that allows only its own files
// (no inline script or style), and never framed.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/beast/http.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace pchat::server {

inline constexpr std::string_view kStatusEventsPath = "/status/events";
inline constexpr std::string_view kStatusJsonPath = "/status.json";

// True for the page's open paths (/status, /status/, its script and style).
bool is_status_page_path(std::string_view path);

// Answers a GET of an open page path from the files in `root` (web/status): 200 with
// the file, a redirect from /status to /status/, or 404 saying where it looked.
void answer_status_page(const std::filesystem::path& root, std::string_view path,
                        boost::beast::http::response<boost::beast::http::string_body>& res);

// GET /status.json: `latest` (StatusFeed::latest()), or 503 before the first round.
void answer_status_json(const std::pair<uint64_t, std::string>& latest,
                        boost::beast::http::response<boost::beast::http::string_body>& res);

// The head of the event stream's response (HTTP/1.1 200, text/event-stream, no
// caching, the connection closed at its end).
std::string status_stream_head();

// One event of the stream: `event: status` with `json` (one line) as its data.
std::string status_event(const std::string& json);

}  // namespace pchat::server
