// draft/chathistory (IRCv3): history of channels and direct messages from the store.
#include "server/server.h"

namespace pchat::server {

void register_chathistory_commands(std::unordered_map<std::string, CommandSpec>&) {}

}  // namespace pchat::server
