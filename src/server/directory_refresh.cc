#include "server/directory_refresh.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/secret_file.h"
#include "directory/view.h"
#include "irc/casemap.h"
#include "server/server.h"
#include "server/session.h"
#include "store/directory.h"

namespace pchat::server {

DirectoryRefresh::DirectoryRefresh(boost::asio::io_context& io,
                                   std::shared_ptr<store::StoreTarget> target,
                                   directory::Config config, std::string server_name,
                                   MetricsRegistry& metrics)
    : client_(std::move(config)),
      server_(std::move(server_name)),
      thread_(std::move(target), 1, 2),
      timer_(io),
      refreshed_(metrics.counter("pchat_directory_refreshes_total",
                                 "directory refreshes this server stored")),
      failed_(metrics.counter("pchat_directory_refresh_failures_total",
                              "directory refreshes that failed on this server: the directory "
                              "did not answer, or the result was not stored")) {}

DirectoryRefresh::~DirectoryRefresh() {
  stop();
}

void DirectoryRefresh::start() {
  spdlog::info("directory: {}", directory::describe(client_.config()));
  const auto& pw = client_.config().bind_password_file;
  if (!pw.empty() && secret_file_too_open(pw)) {
    spdlog::warn("directory: {} can be read by its group or others: chmod 600 it", pw.string());
  }
  thread_.start();
  schedule();
}

void DirectoryRefresh::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  thread_.stop();
}

void DirectoryRefresh::schedule() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    if (!busy_.exchange(true)) {
      const bool queued = thread_.submit([this](Result<pg::Connection*> conn) {
        if (conn) refresh_if_due(**conn);
        busy_ = false;
      });
      if (!queued) busy_ = false;
    }
    schedule();
  });
}

void DirectoryRefresh::refresh_if_due(pg::Connection& conn) {
  auto claimed = store::claim_directory_sync(conn, server_, client_.config().refresh_seconds);
  if (!claimed || !*claimed) return;  // not due, another server's, or the store is away
  auto snapshot = client_.snapshot();
  if (!snapshot) {
    spdlog::error("directory: refresh failed: {}; groups and accounts stay as they were",
                  snapshot.error().message);
    (void)store::fail_directory_sync(conn, snapshot.error().message);
    failed_.inc();
    return;
  }
  auto counts = store::apply_directory_sync(conn, directory::to_view(*snapshot));
  if (!counts) {
    spdlog::error("directory: refresh not stored: {}", counts.error().message);
    (void)store::fail_directory_sync(conn, counts.error().message);
    failed_.inc();
    return;
  }
  refreshed_.inc();
  spdlog::info("directory: refreshed from {}: {} users, {} groups, {} accounts disabled now",
               snapshot->url, counts->users, counts->groups, counts->disabled);
}

void close_disabled_sessions(Server& srv, const std::vector<std::string>& disabled) {
  if (disabled.empty()) return;
  std::vector<std::shared_ptr<Session>> closing;
  for (const auto& [id, weak] : srv.sessions()) {
    auto s = weak.lock();
    if (!s || s->account().empty() || s->closing()) continue;
    if (std::binary_search(disabled.begin(), disabled.end(), irc::fold(s->account()))) {
      closing.push_back(std::move(s));
    }
  }
  for (const auto& s : closing) {
    spdlog::info("directory: closing the session of {}: disabled in the directory", s->account());
    s->close("Account disabled in the directory");
  }
}

}  // namespace pchat::server
