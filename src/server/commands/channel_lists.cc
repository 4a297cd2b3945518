// Channel mask lists in MODE: b, e and I (server/ban_list.h; channel_lists.h).
#include "server/commands/channel_lists.h"

#include <algorithm>

#include "chat/model.h"
#include "core/time.h"
#include "irc/numerics.h"
#include "server/room_policy.h"
#include "server/server.h"

namespace pchat::server {

namespace {

MaskList& mask_list(Channel& c, char mode) {
  return mode == 'b' ? c.bans : mode == 'e' ? c.ban_exceptions : c.invite_exceptions;
}

// The ban a denied principal stands for: "account:NAME", "group:NAME" (shown only:
// groups are not an extban one can set), or "*!*@*" for everyone.
std::string denied_mask(const chat::Principal& p) {
  switch (p.kind) {
    case chat::PrincipalKind::kAccount:
      return "account:" + p.name;
    case chat::PrincipalKind::kGroup:
      return "group:" + p.name;
    case chat::PrincipalKind::kEveryone:
      break;
  }
  return "*!*@*";
}

}  // namespace

RoomBans room_bans(Server& srv, const Channel& c) {
  RoomBans out;
  if (srv.rooms() == nullptr) return out;
  const chat::Room* room = srv.rooms()->room(c.name());
  const chat::Category* cat = room != nullptr ? srv.rooms()->category_of(*room) : nullptr;
  if (cat == nullptr) return out;
  out.category = cat->name;
  for (const auto& p : cat->denied_members) out.masks.push_back(denied_mask(p));
  return out;
}

void list_masks(Server& srv, Channel& c, char mode, const ResponsePtr& r) {
  const char* item = mode == 'b'   ? irc::kRplBanList
                     : mode == 'e' ? irc::kRplExceptList
                                   : irc::kRplInviteList;
  if (mode == 'b') {
    // A room's category's denied members come first: the room's own bans.
    RoomBans rb = room_bans(srv, c);
    for (const auto& m : rb.masks) {
      srv.numeric(r, irc::kRplBanList, {c.name(), m, "category:" + rb.category, "0"});
    }
  }
  for (const auto& e : mask_list(c, mode).entries()) {
    srv.numeric(r, item, {c.name(), e.mask, e.set_by, std::to_string(e.set_at)});
  }
  if (mode == 'b') {
    srv.numeric(r, irc::kRplEndOfBanList, {c.name(), "End of channel ban list"});
  } else if (mode == 'e') {
    srv.numeric(r, irc::kRplEndOfExceptList, {c.name(), "End of channel exception list"});
  } else {
    srv.numeric(r, irc::kRplEndOfInviteList, {c.name(), "End of channel invite list"});
  }
}

std::optional<std::string> edit_mask_list(Server& srv, Session& s, Channel& c, char mode, bool plus,
                                          const std::string& typed, const ResponsePtr& r) {
  auto mask = normalize_mask(typed);
  if (!mask) {
    srv.numeric(r, irc::kErrInvalidModeParam,
                {c.name(), std::string(1, mode), typed, "Not a valid mask"});
    return std::nullopt;
  }
  if (mode == 'b') {
    RoomBans rb = room_bans(srv, c);
    if (std::find(rb.masks.begin(), rb.masks.end(), *mask) != rb.masks.end()) {
      // Denied by the room's category (the ethical wall): on every server, and only an
      // administrator changes it.
      if (!plus) {
        srv.numeric(r, irc::kErrInvalidModeParam,
                    {c.name(), "b", *mask,
                     "Denied by the room's category " + rb.category +
                         ": an administrator changes it (Set-CsPersistentChatCategory "
                         "-DeniedMembers)"});
      }
      return std::nullopt;
    }
  }
  MaskList& list = mask_list(c, mode);
  if (!plus) return list.remove(*mask) ? mask : std::nullopt;
  switch (list.add(*mask, s.prefix(), time::now_us() / 1000000)) {
    case MaskList::Added::kAdded:
      return mask;
    case MaskList::Added::kFull:
      srv.numeric(r, irc::kErrBanListFull,
                  {c.name(), std::string(1, mode), "Channel list is full"});
      break;
    case MaskList::Added::kAlreadyThere:
      break;
  }
  return std::nullopt;
}

}  // namespace pchat::server
