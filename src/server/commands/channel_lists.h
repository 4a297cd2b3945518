// MODE's mask lists of a channel (+b bans, +e ban exceptions, +I invite exceptions;
// server/ban_list.h), for commands/channel_admin.cc.
//
// Who may use them: anyone may list a channel's masks; only its operators change them
// (channel_admin.cc checks that before edit_mask_list).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/response.h"

namespace pchat::server {

class Server;
class Session;
class Channel;

// A catalog room's bans that come from its category's denied members (the ethical
// wall, chat/model.h): "account:NAME", "group:NAME" or "*!*@*", listed first by
// `MODE #room b` (set by "category:NAME") and never removed by -b (696: an
// administrator changes the category). They hold on every server of the pool, where
// the channel's own +b masks are this server's. Empty for a channel without a room.
struct RoomBans {
  std::string category;
  std::vector<std::string> masks;
};
RoomBans room_bans(Server& srv, const Channel& c);

// MODE #c b|e|I without a mask: the list (367, 348, 346), then its end (368, 349, 347).
void list_masks(Server& srv, Channel& c, char mode, const ResponsePtr& r);
// MODE #c +b/-b/+e/-e/+I/-I MASK: the mask as it now stands in (or left) the list,
// normalized; nullopt when nothing changed (an invalid mask gets 696, a full list
// 478, in `r`).
std::optional<std::string> edit_mask_list(Server& srv, Session& s, Channel& c, char mode, bool plus,
                                          const std::string& typed, const ResponsePtr& r);

}  // namespace pchat::server
