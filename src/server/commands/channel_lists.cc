// Channel mask lists in MODE: b, e and I (server/ban_list.h; channel_lists.h).
#include "server/commands/channel_lists.h"

#include "core/time.h"
#include "irc/numerics.h"
#include "server/server.h"

namespace pchat::server {

namespace {

MaskList& mask_list(Channel& c, char mode) {
  return mode == 'b' ? c.bans : mode == 'e' ? c.ban_exceptions : c.invite_exceptions;
}

}  // namespace

void list_masks(Server& srv, Channel& c, char mode, const ResponsePtr& r) {
  const char* item = mode == 'b'   ? irc::kRplBanList
                     : mode == 'e' ? irc::kRplExceptList
                                   : irc::kRplInviteList;
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
