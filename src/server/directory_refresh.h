// The directory on a server (docs/identity.md "Directory sign-in"): the LDAP client
// the sign-in pool verifies passwords with, and the periodic refresh of the pool's
// directory groups and disabled users.
//
// Refresh: every second this server asks the store whether a refresh is due
// (store::claim_directory_sync: none for refresh_seconds, or `pchatctl group sync`
// asked for one, or the last failed 30 s ago), and at most one server of the pool
// gets it. That server reads the directory (ldap_client.h snapshot) and stores the
// result (store::apply_directory_sync) in one transaction, whose NOTIFY makes every
// server reload its catalog: members a group lost are KICKed from the rooms they no
// longer may be in, and the sessions of disabled accounts are closed
// (close_disabled_sessions). So a user disabled or removed in the directory is out
// of every room within refresh_seconds + ~2 s, and cannot sign in from the moment
// the directory says so (each sign-in asks it).
//
// A directory that does not answer: the refresh is recorded as failed with the
// reason, logged, and nothing changes (groups and accounts stay as they were; users
// signed in stay).
//
// Threading: start()/stop() and the timer on the event loop; the claim, the LDAP
// reads and the store writes on a thread of its own (with its own store connection),
// never on the loop nor on the sign-in pool.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "directory/ldap_client.h"
#include "store/reader.h"
#include "store/target.h"

namespace pchat::server {

class Server;

class DirectoryRefresh {
 public:
  // Counts on /metrics: pchat_directory_refreshes_total (stored by this server) and
  // pchat_directory_refresh_failures_total (the directory did not answer, or the
  // result was not stored).
  DirectoryRefresh(boost::asio::io_context& io, std::shared_ptr<store::StoreTarget> target,
                   directory::Config config, std::string server_name, MetricsRegistry& metrics);
  ~DirectoryRefresh();

  // The client sign-ins use; lives as long as this object.
  const directory::Client& client() const { return client_; }

  void start();
  void stop();  // idempotent

 private:
  void schedule();
  void refresh_if_due(pg::Connection& conn);

  directory::Client client_;
  const std::string server_;
  store::ReaderPool thread_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> busy_{false};
  Counter& refreshed_;
  Counter& failed_;
  bool stopped_ = false;
};

// Closes the sessions on `srv` of the accounts in `disabled` (casefolded), as
// "Account disabled in the directory". Loop.
void close_disabled_sessions(Server& srv, const std::vector<std::string>& disabled);

}  // namespace pchat::server
