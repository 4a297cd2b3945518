// Whether this server takes clients, as the pool state says
// (docs/design.md#topology-and-pool-state).
//
// A pool's state (epoch, Normal/FailedOver/..., the active list) lives in the store's
// `pool_state` row. refresh() reads it off the loop (one read at a time, so an older
// read is never applied after a newer one) and applies it on the loop: a server not in
// the active list is idle (connected clients stay; new ones are bounced to an active
// server with RPL_BOUNCE). An operator can also drain a server (admin API): new
// clients are bounced and connected ones sent to an active server, while queued
// messages still commit.
//
// A server without a View is a pool of one: always active, epoch from the store.
// Runs on the event loop, like the Server.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/metrics.h"
#include "server/config.h"

namespace pchat::server {

class Server;
class Session;

class PoolMembership {
 public:
  // The pool as the topology describes it.
  struct View {
    std::string self;                                       // this server's name
    std::vector<std::string> topology_active;               // the topology's initial active list
    std::vector<std::pair<std::string, Endpoint>> servers;  // name -> IRC listener
  };

  PoolMembership(Server& srv, MetricsRegistry& metrics);

  // REQUIRES: before the server listens.
  void set_view(View view) { view_ = std::move(view); }
  const std::optional<View>& view() const { return view_; }
  // This server's name in the pool (its topology name, else its server name).
  const std::string& self() const;
  // Number of servers in the pool (1 without a view).
  size_t server_count() const { return view_ ? view_->servers.size() : 1; }

  // Re-reads pool_state off the loop and applies it on the loop. Any thread.
  void refresh();

  // Whether this server is in the active list (new clients are taken unless it is
  // also draining).
  bool active() const { return active_; }
  bool draining() const { return draining_; }
  // drain(true): bounce new clients and send connected ones to an active server,
  // without stopping; drain(false) ends it. Queued messages still commit.
  void drain(bool on);
  int64_t epoch() const { return epoch_; }
  const std::string& status() const { return status_; }
  const std::vector<std::string>& active_servers() const { return active_list_; }

  // Tells `s` to use an active server (RPL_BOUNCE naming one, when known), then
  // closes it with `why`.
  void bounce(std::shared_ptr<Session> s, const std::string& why);

 private:
  // On the loop: one pool_state read at a time, then apply().
  void read();
  void apply(int64_t epoch, std::string status, std::vector<std::string> active);

  Server& srv_;
  std::optional<View> view_;
  bool active_ = true;
  bool draining_ = false;
  bool read_in_flight_ = false;
  bool read_again_ = false;
  int64_t epoch_ = 0;
  std::string status_ = "Normal";
  std::vector<std::string> active_list_;

  Counter& bounced_;
  Gauge& active_gauge_;
  Gauge& epoch_gauge_;
};

}  // namespace pchat::server
