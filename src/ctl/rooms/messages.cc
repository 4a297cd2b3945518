// `pchatctl room clear` and `messages remove` (Lync's Clear-CsPersistentChatRoom and
// Remove-CsPersistentChatMessage): rooms/commands.h.
#include <functional>
#include <optional>
#include <ostream>

#include "chat/principal.h"
#include "ctl/rooms/commands.h"
#include "ctl/target/pool.h"
#include "irc/casemap.h"
#include "store/message_admin.h"
#include "store/transaction.h"

namespace pchat::ctl {

namespace {

// Runs `change` in a transaction, committed unless `dry_run`; prints what it did.
Status change_messages(const PoolCommandContext& ctx, bool dry_run, const std::string& what,
                       const std::function<Result<int64_t>(pg::Connection&)>& change) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  pg::Connection& conn = (*t)->mgc();
  store::Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st;
  auto n = change(conn);
  if (!n) return n.error();
  if (!dry_run) {
    if (auto st = tx.commit(); !st) return st;
  }
  *ctx.out << (dry_run ? "Dry run: would " : "") << what << " " << *n
           << (*n == 1 ? " message" : " messages") << (dry_run ? "; nothing written" : "") << "\n";
  return ok_status();
}

}  // namespace

Status room_clear(const PoolCommandContext& ctx, const std::string& identity, int64_t end_unix_s,
                  bool dry_run) {
  const std::string name = room_name(identity);
  return change_messages(ctx, dry_run, "Cleared " + name + ":", [&](pg::Connection& c) {
    return store::clear_room_messages(c, name, end_unix_s);
  });
}

Status messages_remove(const PoolCommandContext& ctx, const RemoveMessagesArgs& a) {
  store::MessageSelection sel;
  sel.room = room_name(a.room);
  if (!a.user.empty()) {
    auto p = chat::parse_principal(a.user);
    if (!p) return make_error(ErrorKind::kInvalidInput, "UserUri: " + p.error().message);
    if (p->kind != chat::PrincipalKind::kAccount) {
      return make_error(ErrorKind::kInvalidInput, "UserUri: '" + a.user + "' is not a user");
    }
    sel.account = p->name;
  }
  sel.start_unix_s = a.start_unix_s;
  sel.end_unix_s = a.end_unix_s;
  sel.filter = a.filter;
  sel.case_sensitive = a.case_sensitive;
  if (irc::equal_folded(a.match, "All")) {
    sel.match = store::MatchClause::kAll;
  } else if (irc::equal_folded(a.match, "Or")) {
    sel.match = store::MatchClause::kOr;
  } else if (irc::equal_folded(a.match, "Exact")) {
    sel.match = store::MatchClause::kExact;
  } else {
    return make_error(ErrorKind::kInvalidInput,
                      "MatchClause: '" + a.match + "' is not All, Or or Exact");
  }
  if (a.remove && a.text) {
    return make_error(ErrorKind::kInvalidInput, "give -Remove or -ReplaceMessage, not both");
  }
  std::optional<std::string> replacement;
  if (!a.remove) replacement = a.text.value_or(store::kDefaultReplacement);
  return change_messages(
      ctx, a.dry_run, std::string(a.remove ? "Removed" : "Replaced") + " in " + sel.room + ":",
      [&](pg::Connection& c) { return store::remove_messages(c, sel, replacement); });
}

}  // namespace pchat::ctl
