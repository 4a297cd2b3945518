// MODE's mask lists of a channel (+b bans, +e ban exceptions, +I invite exceptions;
// server/ban_list.h), for commands/channel_admin.cc.
//
// Who may use them: anyone may list a channel's masks; only its operators change them
// (channel_admin.cc checks that before edit_mask_list).
#pragma once

#include <optional>
#include <string>

#include "server/response.h"

namespace pchat::server {

class Server;
class Session;
class Channel;

// MODE #c b|e|I without a mask: the list (367, 348, 346), then its end (368, 349, 347).
void list_masks(Server& srv, Channel& c, char mode, const ResponsePtr& r);
// MODE #c +b/-b/+e/-e/+I/-I MASK: the mask as it now stands in (or left) the list,
// normalized; nullopt when nothing changed (an invalid mask gets 696, a full list
// 478, in `r`).
std::optional<std::string> edit_mask_list(Server& srv, Session& s, Channel& c, char mode, bool plus,
                                          const std::string& typed, const ResponsePtr& r);

}  // namespace pchat::server
