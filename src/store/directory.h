// What pchat keeps of the organisation's directory (migration 16), so that every
// server of a pool sees the same: directory accounts, directory groups, and the
// record of refreshes (src/directory has the LDAP side; docs/identity.md).
//
//  - A directory account is a row of `accounts` with source 'directory', its DN and
//    no password: pchat never stores a directory password. It is made at the first
//    sign-in through the directory. A refresh that no longer finds the user (removed,
//    or disabled: no longer matching the user filter) sets disabled_at; a later
//    sign-in or refresh that finds it again clears it.
//  - A directory group is a row of `groups` with source 'directory', named by its DN
//    (an `OU=...`/`CN=...` principal in room and category lists), its members
//    accounts and nested directory groups. Each refresh replaces them all in one
//    transaction; a local group of the same name is left alone (it wins).
//  - `directory_sync` (one row) says which refresh was asked for (`pchatctl group
//    sync`), which server runs one, and how the last one ended. A server claims a
//    refresh with one UPDATE (claim_directory_sync), so that one server of the pool
//    refreshes at a time.
//
// Every committed change of accounts' disabled state or of groups NOTIFYs
// pchat_rooms: each server reloads its catalog (store/rooms.h: the groups and the
// disabled accounts) within a second.
//
// All functions block on the store: never call them on the event loop.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chat/groups.h"
#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

// How the store knows a name (casefolded lookup).
struct AccountKind {
  bool exists = false;
  bool local = false;     // source 'local': a password in pchat
  bool disabled = false;  // a directory account a refresh did not find
};
Result<AccountKind> account_kind(pg::Connection& conn, const std::string& name);

// A successful sign-in through the directory: creates the account (display name
// `name`, as the directory spells it) or refreshes its DN and clears disabled_at.
// Returns the display name. kConflict when a local account has that name (the
// directory may not take it over).
Result<std::string> record_directory_sign_in(pg::Connection& conn, const std::string& name,
                                             const std::string& dn);

// What a refresh found: the names (any case) of every user who may sign in, and
// every group (source directory, members canonical principals).
struct DirectoryView {
  std::vector<std::string> users;
  std::vector<chat::Group> groups;
  std::string url;  // the server that answered
};

struct SyncCounts {
  int users = 0;     // users the directory lists
  int groups = 0;    // directory groups stored
  int disabled = 0;  // directory accounts disabled by this refresh
  int shadowed = 0;  // directory groups skipped: a local group has that name
};

// Claims the next refresh for `server` when one is due (none for `refresh_seconds`,
// or asked for since the last start, or the last failed more than 30 s ago) and no
// other server runs one (a start without a finish older than 10 minutes is taken as
// abandoned). True when this server must refresh now.
Result<bool> claim_directory_sync(pg::Connection& conn, const std::string& server,
                                  int refresh_seconds);

// Applies a refresh in one transaction (see the header comment) and records it as
// finished and successful. A view with no users while directory accounts are enabled
// is refused (kInvalidInput: a search that finds nobody is more likely a wrong filter
// than an empty organisation) and recorded as a failure.
Result<SyncCounts> apply_directory_sync(pg::Connection& conn, const DirectoryView& view);

// Records the claimed refresh as failed with `message` (the directory's error);
// nothing else changes: accounts and groups stay as the last refresh left them.
Status fail_directory_sync(pg::Connection& conn, const std::string& message);

// `pchatctl group sync`: asks for a refresh. Returns the request's time (microseconds
// since the epoch, the store's clock).
Result<int64_t> request_directory_sync(pg::Connection& conn);

struct SyncStatus {
  int64_t requested_us = 0, started_us = 0, finished_us = 0;  // 0: never
  std::string requested_at, started_at, finished_at;          // ISO 8601 UTC, "" never
  std::string started_by;
  std::optional<bool> ok;  // of the last finished refresh
  std::string message, url;
  SyncCounts counts;           // of the last successful refresh
  int directory_accounts = 0;  // rows of accounts with source 'directory'
  int disabled_accounts = 0;   // of those, disabled
  int directory_groups = 0;
  bool running() const { return started_us > finished_us; }
};
Result<SyncStatus> directory_sync_status(pg::Connection& conn);

}  // namespace pchat::store
