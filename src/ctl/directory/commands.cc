#include "ctl/directory/commands.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <thread>

#include "ctl/rooms/commands.h"
#include "ctl/target/pool.h"
#include "store/directory.h"

namespace pchat::ctl {

namespace {

using nlohmann::json;

json status_json(const store::SyncStatus& s) {
  json j = {{"requested_at", s.requested_at},
            {"started_at", s.started_at},
            {"started_by", s.started_by},
            {"finished_at", s.finished_at},
            {"running", s.running()},
            {"ok", s.ok ? json(*s.ok) : json(nullptr)},
            {"message", s.message},
            {"url", s.url},
            {"users", s.counts.users},
            {"groups", s.counts.groups},
            {"disabled_by_last_refresh", s.counts.disabled},
            {"directory_accounts", s.directory_accounts},
            {"disabled_accounts", s.disabled_accounts},
            {"directory_groups", s.directory_groups}};
  return j;
}

void print_status(std::ostream& out, const store::SyncStatus& s) {
  const char* state = s.started_us == 0 ? "never refreshed"
                      : s.running()     ? "refreshing"
                      : s.ok && *s.ok   ? "ok"
                                        : "failed";
  field(out, "State", state);
  field(out, "Last refresh", s.started_at.empty() ? "-" : s.started_at + " by " + s.started_by);
  field(out, "Finished", s.finished_at.empty() ? "-" : s.finished_at);
  field(out, "From", s.url.empty() ? "-" : s.url);
  field(out, "Outcome", s.message.empty() ? "-" : s.message);
  field(out, "Directory accounts",
        std::to_string(s.directory_accounts) + " (" + std::to_string(s.disabled_accounts) +
            " disabled)");
  field(out, "Directory groups", std::to_string(s.directory_groups));
  field(out, "Requested", s.requested_at.empty() ? "-" : s.requested_at);
}

}  // namespace

Status group_sync(const PoolCommandContext& ctx, int wait_seconds, bool json_out) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  pg::Connection& conn = (*t)->mgc();
  auto asked = store::request_directory_sync(conn);
  if (!asked) return asked.error();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  for (;;) {
    auto s = store::directory_sync_status(conn);
    if (!s) return s.error();
    if (s->started_us >= *asked && s->finished_us >= s->started_us) {
      if (json_out) {
        *ctx.out << status_json(*s).dump(2) << "\n";
      } else {
        print_status(*ctx.out, *s);
      }
      if (s->ok && *s->ok) return ok_status();
      return make_error(ErrorKind::kUnavailable, "the directory refresh failed: " + s->message);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(ErrorKind::kUnavailable,
                        "no server refreshed the directory within " + std::to_string(wait_seconds) +
                            " s: is a pchatd with a [directory] section running on this "
                            "store? (pchatctl directory status)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Status directory_status(const PoolCommandContext& ctx, bool json_out) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto s = store::directory_sync_status((*t)->mgc());
  if (!s) return s.error();
  if (json_out) {
    *ctx.out << status_json(*s).dump(2) << "\n";
  } else {
    print_status(*ctx.out, *s);
  }
  return ok_status();
}

}  // namespace pchat::ctl
