// SEARCH (pchat's own): full-text search over the history of the
// rooms the user may read.
//
//   SEARCH <#room | *> <limit> <cursor | *> :<words>
//
// `*` searches every room the user may read (the room rules' may_read: rooms of
// their categories' scope, Secret rooms only for members; channels without a room
// only while joined). Results are newest first, at most `limit` (1-100), as the
// stored messages (msgid, time, account tags) in a `pchat/search` batch when the
// client takes batches; then `NOTE SEARCH END <target> <count> <next cursor | *>`.
// Pass the next cursor to get the following page. A page reads a bounded number of
// messages (store/search.h), so it can be short, even empty, and still have a next
// cursor: only `*` means the history is searched to its start. A room the user may not read
// answers as a missing one: `FAIL SEARCH INVALID_TARGET <target>`.
#include <charconv>

#include "irc/casemap.h"
#include "server/history_query.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "store/search.h"

namespace pchat::server {

namespace {

constexpr const char* kSearchCmd = "SEARCH";

bool parse_int(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

void handle_search(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  int64_t limit = 0, cursor = 0;
  if (m.params.size() < 4 || !parse_int(m.params[1], limit) || limit < 1 ||
      limit > store::kMaxSearchResults ||
      (m.params[2] != "*" && (!parse_int(m.params[2], cursor) || cursor <= 0))) {
    srv.fail(r, kSearchCmd, "INVALID_PARAMS", {},
             "Usage: SEARCH <#room|*> <limit 1-100> <cursor|*> :<words>");
    return;
  }
  const std::string target = m.params[0];
  const std::string query = m.params[3];
  std::map<std::string, std::string> display = rooms::readable_rooms(srv, s, target);
  if (display.empty() && target != "*") {
    srv.fail(r, kSearchCmd, "INVALID_TARGET", {target}, "No such channel");
    return;
  }
  std::vector<std::string> keys;
  for (const auto& [key, name] : display) keys.push_back(key);
  Server* sp = &srv;
  bool ok =
      srv.readers() != nullptr &&
      srv.readers()->submit([sp, r, keys, query, cursor, limit, target,
                             display](Result<pg::Connection*> conn) mutable {
        auto page =
            conn ? store::search_messages(**conn, keys, query, cursor, static_cast<int>(limit))
                 : Result<store::SearchPage>(conn.error());
        // `r` moved, not copied, off the loop: its last reference must end on the loop.
        sp->post([sp, r = std::move(r), page = std::move(page), target, display]() {
          if (r->session().closing()) return;
          if (!page) {
            const bool bad = page.error().kind == ErrorKind::kInvalidInput;
            sp->fail(r, kSearchCmd, bad ? "INVALID_PARAMS" : "MESSAGE_ERROR", {target},
                     bad ? page.error().message : "Search failed; try again");
            return;
          }
          std::vector<irc::Message> lines;
          for (const auto& row : page->rows) {
            auto it = display.find(row.target);
            lines.push_back(history_message(row, it != display.end() ? it->second : row.target));
          }
          const std::string next = page->next > 0 ? std::to_string(page->next) : "*";
          const std::string count = std::to_string(lines.size());
          Session& me = r->session();
          if (me.has_cap(kCapBatch)) {
            const std::string ref = sp->next_batch_ref();
            r->add(irc::Message{{}, sp->name(), "BATCH", {"+" + ref, "pchat/search", target}});
            for (auto& line : lines) {
              line.tags.insert(line.tags.begin(), irc::Tag{"batch", ref});
              r->add(std::move(line));
            }
            r->add(irc::Message{{}, sp->name(), "BATCH", {"-" + ref}});
          } else {
            r->add_all(std::move(lines));
          }
          r->add(irc::Message{{},
                              sp->name(),
                              "NOTE",
                              {kSearchCmd, "END", target, count, next,
                               count + " results" + (next == "*" ? "" : "; more with " + next)}});
        });
      });
  if (!ok) srv.fail(r, kSearchCmd, "MESSAGE_ERROR", {target}, "Search failed; try again");
}

}  // namespace

void register_search_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["SEARCH"] = {0, true, handle_search};
}

}  // namespace pchat::server
