// `pchatctl group sync` and `pchatctl directory status`: the directory refreshes of a
// pchat with directory sign-in (docs/identity.md, store/directory.h).
//
// Who may use them: whoever may use the store the other pool commands use
// (ctl/target/pool.h: the --data-dir store's socket, or the topology's store with
// its credentials), as for `group add`. No new listener or endpoint: pchatctl never
// talks to the directory and never needs its service password.
//
//  - group sync: records a request in the store and waits (--wait, default 30 s)
//    until a server of the pool with a [directory] section has refreshed after it;
//    prints the outcome. Errors: the refresh failed (its reason, e.g. the directory
//    is unavailable); no server refreshed in time (none runs with a directory).
//  - directory status: the last refresh (when, which server, from which URL, the
//    counts or the failure) and the directory accounts and groups in the store.
#pragma once

#include "core/result.h"
#include "ctl/pool/commands.h"

namespace pchat::ctl {

Status group_sync(const PoolCommandContext& ctx, int wait_seconds, bool json);
Status directory_status(const PoolCommandContext& ctx, bool json);

}  // namespace pchat::ctl
