#include "server/pool_membership.h"

#include <spdlog/spdlog.h>

#include "irc/numerics.h"
#include "server/server.h"
#include "store/pool_state.h"

namespace pchat::server {

PoolMembership::PoolMembership(Server& srv, MetricsRegistry& metrics)
    : srv_(srv),
      bounced_(metrics.counter("pchat_connections_bounced_total",
                               "New clients sent to an active server (RPL_BOUNCE)")),
      active_gauge_(metrics.gauge("pchat_server_active", "1 if this server accepts new clients")),
      epoch_gauge_(metrics.gauge("pchat_pool_epoch", "Pool-state epoch this server follows")) {}

const std::string& PoolMembership::self() const {
  return view_ ? view_->self : srv_.config().server_name;
}

void PoolMembership::bounce(std::shared_ptr<Session> s, const std::string& why) {
  bounced_.inc();
  std::string where;
  if (view_) {
    for (const auto& name : active_list_) {
      for (const auto& [server, ep] : view_->servers) {
        if (!where.empty() || !store::same_server_name(server, name) ||
            store::same_server_name(server, view_->self)) {
          continue;
        }
        // Sent at once, not as a reply: a reply would wait behind the client's open
        // commands, and the connection closes right after.
        s->send(
            srv_.make_numeric(*s, irc::kRplBounce,
                              {ep.host, std::to_string(ep.port), why + "; please use " + server}));
        where = server;
      }
    }
  }
  s->close(where.empty() ? why + " and no active server is known" : why + "; use " + where);
}

void PoolMembership::drain(bool on) {
  if (on == draining_) return;
  draining_ = on;
  spdlog::info("pool: {}", on ? "draining: new clients are bounced, connected ones sent to an "
                                "active server"
                              : "drain ended: accepting clients again");
  if (!on) return;
  std::vector<std::shared_ptr<Session>> all;
  for (auto& [id, w] : srv_.sessions()) {
    if (auto sp = w.lock()) all.push_back(sp);
  }
  for (auto& sp : all) bounce(sp, "This server is being drained");
}

void PoolMembership::refresh() {
  if (srv_.readers() == nullptr) return;
  srv_.post([this] { read(); });
}

void PoolMembership::read() {
  // One read at a time: with several reader threads, an older read could otherwise
  // be applied after a newer one. A request meanwhile reads again afterwards.
  if (read_in_flight_) {
    read_again_ = true;
    return;
  }
  read_in_flight_ = true;
  auto done = [this](std::optional<store::PoolState> st) {
    read_in_flight_ = false;
    if (st)
      apply(st->epoch, std::string(store::to_string(st->state)), std::move(st->active_servers));
    if (std::exchange(read_again_, false)) read();
  };
  bool queued = srv_.readers()->submit([this, done](Result<pg::Connection*> conn) {
    std::optional<store::PoolState> st;
    if (conn) {  // else the stream calls again when it reconnects
      auto read = store::read_pool_state(**conn);
      if (read) {
        st = std::move(*read);
      } else {
        spdlog::warn("pool: cannot read pool_state: {}", read.error().message);
      }
    }
    srv_.post([done, st = std::move(st)]() mutable { done(std::move(st)); });
  });
  if (!queued) read_in_flight_ = false;
}

void PoolMembership::apply(int64_t epoch, std::string status, std::vector<std::string> active) {
  bool now_active = true;
  if (view_) now_active = store::contains_server(active, view_->self);
  if (now_active != active_ || epoch != epoch_ || status != status_) {
    spdlog::info("pool: epoch {} state {}; this server is {}", epoch, status,
                 now_active ? "active" : "idle (existing clients stay; new ones are bounced)");
  }
  active_ = now_active;
  epoch_ = epoch;
  status_ = std::move(status);
  active_list_ = std::move(active);
  active_gauge_.set(active_ ? 1 : 0);
  epoch_gauge_.set(epoch_);
}

}  // namespace pchat::server
