#include "dr/cluster/rejoin.h"

#include "store/pg.h"

#include <chrono>
#include <thread>

namespace pchat::dr {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// pg_rewind of `c` from `source_conninfo`; a few tries (a killed postmaster's
// backends may hold its shared memory for a moment, and crash recovery refuses then).
Status rewind(const PgTools& tools, const ClusterPaths& c, const std::string& source_conninfo,
              const Progress& progress) {
  std::string output;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto code = tools.run(
        "pg_rewind", {"--target-pgdata", c.pgdata().string(), "--source-server", source_conninfo},
        &output);
    if (code && *code == 0) {
      if (progress) progress("pg_rewind: " + output.substr(0, output.find_last_not_of('\n') + 1));
      return ok_status();
    }
    if (progress)
      progress("pg_rewind failed (try " + std::to_string(attempt) +
               "): " + (code ? output : code.error().message));
    std::this_thread::sleep_for(500ms);
  }
  return make_error(ErrorKind::kUnavailable, "pg_rewind failed: " + output);
}

// Whether the cluster's walreceiver streams from its primary within `timeout`.
bool streams_within(const std::string& conninfo, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto c = pg::Connection::connect(conninfo);
    if (c) {
      auto r = c->exec("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'");
      if (r && r->i64(0, 0) > 0) return true;
    }
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

// Moves the cluster aside (never deleted) and takes a base backup of `new_primary`.
Status rebuild(const PgTools& tools, const Topology& t, StoreRole new_primary,
               const ClusterPaths& c, const Progress& progress) {
  if (progress)
    progress("a base backup of the " + std::string(to_string(new_primary)) + " instead");
  if (auto mv = move_aside(tools, c, progress); !mv) return mv;
  if (auto bb =
          base_backup(tools, replication_conninfo(t, new_primary, "pg_basebackup"), c, progress);
      !bb) {
    return bb;
  }
  return ok_status();
}

}  // namespace

Result<RejoinHow> rejoin_as_mirror(const PgTools& tools, const Topology& t, StoreRole old_primary,
                                   StoreRole new_primary, const PchatCommands& cmds,
                                   const Progress& progress) {
  auto c = managed_cluster(t, old_primary);
  if (!c) return c.error();
  if (postmaster_pid(*c)) {
    if (progress) progress("stopping the old primary (fast)");
    if (auto st = stop_cluster(tools, *c, 30); !st) return st.error();
  }
  RejoinHow how = RejoinHow::kRewound;
  const std::string source = direct_conninfo(*t.store(new_primary), "postgres");
  // A just-promoted primary writes its new timeline into pg_control at its first
  // checkpoint; pg_rewind reads it there ("no rewind required" otherwise).
  if (auto sc = pg::Connection::connect(source); sc) (void)sc->exec("CHECKPOINT");
  if (auto st = rewind(tools, *c, source, progress); !st) {
    if (auto rb = rebuild(tools, t, new_primary, *c, progress); !rb) return rb.error();
    how = RejoinHow::kRebuilt;
  }
  for (;;) {
    if (auto st = prepare_cluster_dirs(tools, *c); !st) return st.error();
    if (auto st = configure_as_standby(tools, t, new_primary, old_primary, cmds); !st)
      return st.error();
    if (progress) progress("starting the " + std::string(to_string(old_primary)) + " as a standby");
    if (auto st = start_cluster(tools, *c); !st) return st.error();
    const std::string self = direct_conninfo(*t.store(old_primary), "postgres");
    if (how == RejoinHow::kRebuilt || streams_within(self, 15s)) return how;
    // Rewound but it cannot follow the new timeline: rebuild it.
    if (progress) progress("the rewound standby does not stream from the new primary");
    if (auto rb = rebuild(tools, t, new_primary, *c, progress); !rb) return rb.error();
    how = RejoinHow::kRebuilt;
  }
}

}  // namespace pchat::dr
