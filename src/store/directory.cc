#include "store/directory.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "core/time.h"
#include "irc/casemap.h"
#include "irc/utf8.h"
#include "store/principal_lists.h"
#include "store/transaction.h"

namespace pchat::store {

Result<AccountKind> account_kind(pg::Connection& conn, const std::string& name) {
  if (!irc::is_valid_utf8(name)) return AccountKind{};
  auto r =
      conn.exec("SELECT source = 'local', disabled_at IS NOT NULL FROM accounts WHERE name = $1",
                {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0) return AccountKind{};
  return AccountKind{true, r->str(0, 0) == "t", r->str(0, 1) == "t"};
}

Result<std::string> record_directory_sign_in(pg::Connection& conn, const std::string& name,
                                             const std::string& dn) {
  auto r = conn.exec(
      "INSERT INTO accounts (name, display_name, password_hash, source, directory_dn) "
      "VALUES ($1, $2, NULL, 'directory', $3) "
      "ON CONFLICT (name) DO UPDATE SET directory_dn = EXCLUDED.directory_dn, disabled_at = NULL "
      "WHERE accounts.source = 'directory' RETURNING display_name",
      {irc::fold(name), name, dn});
  if (!r) return r.error();
  if (r->rows() == 0) {
    return make_error(ErrorKind::kConflict,
                      "the directory's user '" + name + "' has the name of a local account");
  }
  return r->str(0, 0);
}

Result<bool> claim_directory_sync(pg::Connection& conn, const std::string& server,
                                  int refresh_seconds) {
  auto r = conn.exec(
      "UPDATE directory_sync SET started_at = clock_timestamp(), started_by = $1 WHERE id = 1"
      " AND (started_at IS NULL OR finished_at >= started_at"
      "      OR started_at < now() - interval '10 minutes')"
      " AND (started_at IS NULL OR requested_at > started_at"
      "      OR started_at < now() - make_interval(secs => $2::int)"
      "      OR (ok IS NOT TRUE AND started_at < now() - interval '30 seconds'))"
      " RETURNING 1",
      {server, std::to_string(refresh_seconds)});
  if (!r) return r.error();
  return r->rows() == 1;
}

namespace {

// Marks directory accounts the view does not list as disabled, and those it lists
// as enabled again. Returns how many were disabled now.
Result<int> update_disabled(pg::Connection& conn, const std::vector<std::string>& users) {
  std::vector<std::optional<std::string>> folded;
  for (const auto& u : users) folded.emplace_back(irc::fold(u));
  const std::string arr = pg::make_text_array(folded);
  auto off = conn.exec(
      "UPDATE accounts SET disabled_at = now() WHERE source = 'directory'"
      " AND disabled_at IS NULL AND NOT (name = ANY($1::text[]))",
      {arr});
  if (!off) return off.error();
  auto on = conn.exec(
      "UPDATE accounts SET disabled_at = NULL WHERE source = 'directory'"
      " AND disabled_at IS NOT NULL AND name = ANY($1::text[])",
      {arr});
  if (!on) return on.error();
  return static_cast<int>(off->affected());
}

// Replaces the directory groups by `groups`; local groups of the same name win.
Result<SyncCounts> replace_groups(pg::Connection& conn, const std::vector<chat::Group>& groups) {
  SyncCounts n;
  auto local = conn.exec("SELECT name_key FROM groups WHERE source = 'local'");
  if (!local) return local.error();
  std::set<std::string> local_keys;
  for (int i = 0; i < local->rows(); ++i) local_keys.insert(local->str(i, 0));
  std::vector<std::optional<std::string>> keep;
  for (const auto& g : groups) {
    const std::string key = chat::group_key(g.name);
    if (local_keys.count(key) > 0) {
      ++n.shadowed;
      continue;
    }
    keep.emplace_back(key);
    auto r = conn.exec(
        "INSERT INTO groups (name, name_key, description, members, source)"
        " VALUES ($1, $2, 'from the directory', $3, 'directory')"
        " ON CONFLICT (name_key) DO UPDATE SET name = EXCLUDED.name, members = EXCLUDED.members,"
        " updated_at = now() WHERE groups.source = 'directory'"
        " AND (groups.members, groups.name) IS DISTINCT FROM (EXCLUDED.members, EXCLUDED.name)",
        {g.name, key, principals_array(g.members)});
    if (!r) return r.error();
    ++n.groups;
  }
  auto gone = conn.exec(
      "DELETE FROM groups WHERE source = 'directory' AND NOT (name_key = ANY($1::text[]))",
      {pg::make_text_array(keep)});
  if (!gone) return gone.error();
  return n;
}

}  // namespace

Result<SyncCounts> apply_directory_sync(pg::Connection& conn, const DirectoryView& view) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  if (view.users.empty()) {
    auto enabled = conn.exec(
        "SELECT count(*) FROM accounts WHERE source = 'directory' AND disabled_at IS NULL");
    if (!enabled) return enabled.error();
    if (enabled->i64(0, 0) > 0) {
      return invalid_input("the user search found nobody while " + enabled->str(0, 0) +
                           " directory accounts are enabled: not applied (check user_base "
                           "and user_filter)");
    }
  }
  auto disabled = update_disabled(conn, view.users);
  if (!disabled) return disabled.error();
  auto counts = replace_groups(conn, view.groups);
  if (!counts) return counts.error();
  counts->users = static_cast<int>(view.users.size());
  counts->disabled = *disabled;
  const std::string message = fmt::format(
      "{} users, {} groups, {} accounts disabled now{}", counts->users, counts->groups,
      counts->disabled,
      counts->shadowed > 0
          ? fmt::format(", {} groups skipped (a local group has the name)", counts->shadowed)
          : "");
  auto rec = conn.exec(
      "UPDATE directory_sync SET finished_at = clock_timestamp(), ok = true, message = $1,"
      " url = $2, users = $3, groups = $4, disabled = $5 WHERE id = 1",
      {message, view.url, std::to_string(counts->users), std::to_string(counts->groups),
       std::to_string(counts->disabled)});
  if (!rec) return rec.error();
  // Accounts changed without a trigger: the servers reload their catalog anyway.
  if (auto n = conn.exec("SELECT pg_notify('pchat_rooms', '')"); !n) return n.error();
  if (auto st = tx.commit(); !st) return st.error();
  return *counts;
}

Status fail_directory_sync(pg::Connection& conn, const std::string& message) {
  auto r = conn.exec(
      "UPDATE directory_sync SET finished_at = clock_timestamp(), ok = false, message = $1"
      " WHERE id = 1",
      {message});
  if (!r) return r.error();
  return ok_status();
}

Result<int64_t> request_directory_sync(pg::Connection& conn) {
  auto r = conn.exec(
      "UPDATE directory_sync SET requested_at = clock_timestamp() WHERE id = 1"
      " RETURNING (extract(epoch FROM requested_at) * 1000000)::bigint");
  if (!r) return r.error();
  if (r->rows() != 1) return make_error(ErrorKind::kInternal, "directory_sync has no row");
  return r->i64(0, 0);
}

Result<SyncStatus> directory_sync_status(pg::Connection& conn) {
  auto r = conn.exec(
      "SELECT coalesce((extract(epoch FROM requested_at) * 1000000)::bigint, 0),"
      " coalesce((extract(epoch FROM started_at) * 1000000)::bigint, 0),"
      " coalesce((extract(epoch FROM finished_at) * 1000000)::bigint, 0), " +
      time::sql_iso8601("requested_at") + ", " + time::sql_iso8601("started_at") + ", " +
      time::sql_iso8601("finished_at") +
      ","
      " started_by, coalesce(ok::text, ''), message, url, users, groups, disabled,"
      " (SELECT count(*) FROM accounts WHERE source = 'directory'),"
      " (SELECT count(*) FROM accounts WHERE source = 'directory' AND disabled_at IS NOT NULL),"
      " (SELECT count(*) FROM groups WHERE source = 'directory')"
      " FROM directory_sync WHERE id = 1");
  if (!r) return r.error();
  if (r->rows() != 1) return make_error(ErrorKind::kInternal, "directory_sync has no row");
  SyncStatus s;
  s.requested_us = r->i64(0, 0);
  s.started_us = r->i64(0, 1);
  s.finished_us = r->i64(0, 2);
  s.requested_at = r->str(0, 3);
  s.started_at = r->str(0, 4);
  s.finished_at = r->str(0, 5);
  s.started_by = r->str(0, 6);
  if (!r->str(0, 7).empty()) s.ok = r->str(0, 7) == "true";
  s.message = r->str(0, 8);
  s.url = r->str(0, 9);
  s.counts.users = static_cast<int>(r->i64(0, 10));
  s.counts.groups = static_cast<int>(r->i64(0, 11));
  s.counts.disabled = static_cast<int>(r->i64(0, 12));
  s.directory_accounts = static_cast<int>(r->i64(0, 13));
  s.disabled_accounts = static_cast<int>(r->i64(0, 14));
  s.directory_groups = static_cast<int>(r->i64(0, 15));
  return s;
}

}  // namespace pchat::store
