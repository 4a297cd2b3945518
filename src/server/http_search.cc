#include "server/http_search.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "chat/principal.h"
#include "core/time.h"
#include "server/await.h"
#include "server/file_request.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "store/search.h"

namespace pchat::server {

namespace asio = boost::asio;

namespace {

using nlohmann::json;

std::map<std::string, std::string> query_params(std::string_view target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    auto eq = kv.find('=');
    out[percent_decode(kv.substr(0, eq), true)] =
        eq == std::string_view::npos ? "" : percent_decode(kv.substr(eq + 1), true);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
  return out;
}

HttpAnswer answer(int status, json j) {
  return {status, j.dump(2) + "\n"};
}

asio::awaitable<HttpAnswer> store_job(Server& srv, std::function<HttpAnswer(pg::Connection&)> job) {
  return on_reader<HttpAnswer>(srv, std::move(job), [](const Error& e) {
    return answer(503, {{"error", "store unavailable: " + e.message}});
  });
}

// An answer known at once, as an awaitable (posted to the loop).
asio::awaitable<HttpAnswer> answer_now(Server& srv, HttpAnswer a) {
  return await_reply<HttpAnswer>(srv.io(), [a = std::move(a)](auto reply) { reply(a); });
}

// Either the answer at once (a bad request) or the job that computes it. Plain code:
// http_search below only picks the awaitable.
struct Plan {
  std::optional<HttpAnswer> now;
  std::function<HttpAnswer(pg::Connection&)> job;
};

Plan plan_search(Server& srv, std::string_view target, const std::string& asker) {
  auto p = query_params(target);
  const std::string user = p["user"], q = p["q"];
  const std::string room = p.count("room") > 0 && !p["room"].empty() ? p["room"] : "*";
  int64_t limit = 20, before = 0;
  auto number = [&](const char* key, int64_t& v) {
    if (p.count(key) == 0 || p[key].empty()) return true;
    const std::string& s = p[key];
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && ptr == s.data() + s.size();
  };
  if (user.empty() || q.empty() || !number("limit", limit) || !number("before", before) ||
      limit < 1 || limit > store::kMaxSearchResults || before < 0) {
    return Plan{answer(400, {{"error",
                              "usage: /search?user=ACCOUNT&q=WORDS[&room=%23name][&limit=1-100]"
                              "[&before=CURSOR]"}}),
                {}};
  }
  auto principal = chat::parse_principal(user);
  if (!principal || principal->kind != chat::PrincipalKind::kAccount) {
    return Plan{answer(400, {{"error", "user: '" + user + "' is not an account"}}), {}};
  }
  if (srv.rooms() == nullptr) return Plan{answer(503, {{"error", "rooms are not loaded"}}), {}};
  const std::string account = principal->name;
  const std::map<std::string, std::string> rooms =
      srv.rooms()->readable_rooms(chat::User{account}, room);
  if (rooms.empty() && room != "*") return Plan{answer(404, {{"error", "no such room"}}), {}};
  std::vector<std::string> keys;
  for (const auto& [key, name] : rooms) keys.push_back(key);
  spdlog::info("http: /search as {} in {} ({} readable rooms) asked by {}", account, room,
               rooms.size(), asker);
  return Plan{std::nullopt, [=](pg::Connection& conn) {
                auto page = store::search_messages(conn, keys, q, before, static_cast<int>(limit));
                if (!page) {
                  const bool bad = page.error().kind == ErrorKind::kInvalidInput;
                  return answer(bad ? 400 : 503, {{"error", page.error().message}});
                }
                json results = json::array();
                for (const auto& row : page->rows) {
                  auto it = rooms.find(row.target);
                  results.push_back({{"id", row.id},
                                     {"msgid", row.msgid},
                                     {"room", it != rooms.end() ? it->second : row.target},
                                     {"sender", row.sender},
                                     {"account", row.account ? json(*row.account) : json(nullptr)},
                                     {"time", time::iso8601_ms(row.ts_us)},
                                     {"command", row.command},
                                     {"text", row.body}});
                }
                return answer(200, {{"user", account},
                                    {"room", room},
                                    {"results", results},
                                    {"next", page->next > 0 ? json(page->next) : json(nullptr)}});
              }};
}

}  // namespace

asio::awaitable<HttpAnswer> http_search(Server& srv, std::string_view target,
                                        const std::string& asker) {
  Plan plan = plan_search(srv, target, asker);
  if (plan.now) return answer_now(srv, std::move(*plan.now));
  return store_job(srv, std::move(plan.job));
}

}  // namespace pchat::server
