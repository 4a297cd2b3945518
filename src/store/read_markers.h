// IRCv3 draft/read-marker: where an account last read each conversation (migration
// 17, table `read_markers`: account (casefolded, removed with the account), target
// (casefolded channel name or nick, as the client names the buffer), ts). A marker
// only moves forward: a set older than or equal to the stored time changes nothing
// and returns the stored one.
//
// Why not the group-commit writer: its batches hold the pool-wide message lock and
// feed the message stream; a marker is neither a message nor ordered with them, is
// rare (one per buffer a user reads) and touches one row. So each set is one short
// transaction on the caller's connection (a reader-pool thread): the epoch fence
// check (as every message commit makes), the upsert, and, when the marker moved,
// NOTIFY pchat_read_markers in the same transaction, so the pool hears of a marker
// exactly when it is committed (server/read_markers.h fans it out).
//
// Thread safety: as the connection's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

// The notification channel of moved markers (payload: server/read_marker.h).
inline constexpr const char* kReadMarkerChannel = "pchat_read_markers";
// Markers one account may keep; a set that would add one more fails (kDenied).
inline constexpr int64_t kMaxReadMarkersPerAccount = 5000;

// The stored marker of `account` (any case) for `target` (casefolded), unix
// microseconds; nullopt when none.
Result<std::optional<int64_t>> read_marker(pg::Connection& c, const std::string& account,
                                           const std::string& target);

struct MarkerWrite {
  int64_t ts_us = 0;   // the stored marker after the call
  bool moved = false;  // the call moved it (and notified)
};
// Moves the marker of `account` for `target` (casefolded) to `ts_us` unless the
// stored one is not older. `min_epoch`: the highest pool epoch the caller has seen
// (store/target.h); a fenced store refuses (kUnavailable). When it moved,
// `notify_payload` goes out on kReadMarkerChannel at commit.
Result<MarkerWrite> write_read_marker(pg::Connection& c, const std::string& account,
                                      const std::string& target, int64_t ts_us, int64_t min_epoch,
                                      const std::string& notify_payload);

}  // namespace pchat::store
