#include "server/registration.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/time.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "server/ban_list.h"
#include "server/caps.h"
#include "server/server.h"
#include "server/text_limits.h"

namespace pchat::server {

void Registration::try_complete(Session& s) {
  if (s.registered() || s.claiming() || s.nick().empty() || !s.got_user() || s.cap_negotiating() ||
      s.sasl().busy) {
    return;
  }
  srv_.bridge().claim(s, [this, nick = s.nick()](Session& s, store::ClaimResult res) {
    if (res == store::ClaimResult::kClaimed) {
      finish(s);
      return;
    }
    auto r = std::make_shared<Response>(s.shared_from_this(), "");
    if (res == store::ClaimResult::kTaken) {
      srv_.numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
    } else {
      srv_.numeric(r, irc::kErrUnavailResource,
                   {nick,
                    "Nick is temporarily unavailable: the pool's store cannot be reached; try "
                    "again shortly"});
    }
    srv_.unregister_nick(s);
    s.set_nick("");
  });
}

void Registration::finish(Session& s) {
  s.mark_registered();
  spdlog::info("client {} registered as {} from {}{}", s.id(), s.nick(), s.host(),
               s.account().empty() ? "" : " (account " + s.account() + ")");
  send_welcome(s);
}

void Registration::send_welcome(Session& s) {
  const ServerConfig& config = srv_.config();
  auto r = std::make_shared<Response>(s.shared_from_this(), "");
  srv_.numeric(r, irc::kRplWelcome,
               {"Welcome to the " + config.network_name + " IRC Network " + s.prefix()});
  srv_.numeric(r, irc::kRplYourHost,
               {"Your host is " + config.server_name + ", running version pchat-" PCHAT_VERSION});
  srv_.numeric(r, irc::kRplCreated,
               {"This server was created " +
                time::iso8601_ms(std::chrono::duration_cast<std::chrono::microseconds>(
                                     srv_.started_at().time_since_epoch())
                                     .count())});
  srv_.numeric(r, irc::kRplMyInfo,
               {config.server_name, "pchat-" PCHAT_VERSION, "iow", "imnst", "klov"});
  send_isupport(r);
  send_lusers(r);
  send_motd(r);
}

void Registration::send_isupport(const ResponsePtr& r) {
  const ServerConfig& config = srv_.config();
  std::vector<std::string> tokens = {
      "AWAYLEN=" + std::to_string(kAwayLen),
      "CASEMAPPING=ascii",
      "CHANLIMIT=#:" + std::to_string(config.max_channels_per_client),
      "CHANMODES=beI,k,l,imnst",
      "EXCEPTS=e",
      "INVEX=I",
      "MAXLIST=beI:" + std::to_string(kMaxListEntries),
      "EXTBAN=,a",
      "ACCOUNTEXTBAN=account,a",
      "CHANNELLEN=" + std::to_string(irc::kChannelLen),
      "CHANTYPES=#",
      "ELIST=U",
      "HOSTLEN=64",
      "KICKLEN=" + std::to_string(kKickLen),
      "MODES=4",
      "NETWORK=" + config.network_name,
      "NICKLEN=" + std::to_string(irc::kNickLen),
      "PREFIX=(ov)@+",
      "TARGMAX=PRIVMSG:4,NOTICE:4,TAGMSG:4,JOIN:,PART:,NAMES:1,WHOIS:1,KICK:4",
      "TOPICLEN=" + std::to_string(kTopicLen),
      "USERLEN=18",
      "UTF8ONLY",
      "WHOX",
      "ACCOUNTLEN=" + std::to_string(irc::kAccountLen),
  };
  for (auto& t : caps_isupport(config)) tokens.push_back(std::move(t));
  // The file host (server/file_host.h), as the soju.im/FILEHOST extension names it.
  if (!srv_.files_url().empty()) tokens.push_back("soju.im/FILEHOST=" + srv_.files_url());
  for (size_t i = 0; i < tokens.size(); i += 12) {
    std::vector<std::string> p(tokens.begin() + static_cast<long>(i),
                               tokens.begin() + static_cast<long>(std::min(tokens.size(), i + 12)));
    p.push_back("are supported by this server");
    srv_.numeric(r, irc::kRplISupport, std::move(p));
  }
}

void Registration::send_lusers(const ResponsePtr& r) {
  size_t invisible = 0, unknown = 0, users = 0, opers = 0;
  for (auto& [id, w] : srv_.sessions()) {
    auto s = w.lock();
    if (!s) continue;
    if (!s->registered()) {
      ++unknown;
      continue;
    }
    ++users;
    if (s->invisible()) ++invisible;
    if (s->oper()) ++opers;
  }
  const size_t remote = srv_.presence().count();
  max_local_users_ = std::max(max_local_users_, users);
  max_global_users_ = std::max(max_global_users_, users + remote);
  srv_.numeric(r, irc::kRplLUserClient,
               {fmt::format("There are {} users and {} invisible on {} servers",
                            users + remote - invisible, invisible, srv_.pool().server_count())});
  srv_.numeric(r, irc::kRplLUserOp, {std::to_string(opers), "operator(s) online"});
  if (unknown > 0)
    srv_.numeric(r, irc::kRplLUserUnknown, {std::to_string(unknown), "unknown connection(s)"});
  srv_.numeric(r, irc::kRplLUserChannels,
               {std::to_string(srv_.channel_count()), "channels formed"});
  srv_.numeric(r, irc::kRplLUserMe, {fmt::format("I have {} clients and 0 servers", users)});
  srv_.numeric(r, irc::kRplLocalUsers,
               {std::to_string(users), std::to_string(max_local_users_),
                fmt::format("Current local users {}, max {}", users, max_local_users_)});
  srv_.numeric(r, irc::kRplGlobalUsers,
               {std::to_string(users + remote), std::to_string(max_global_users_),
                fmt::format("Current global users {}, max {}", users + remote, max_global_users_)});
}

void Registration::send_motd(const ResponsePtr& r) {
  const ServerConfig& config = srv_.config();
  if (config.motd.empty()) {
    srv_.numeric(r, irc::kErrNoMotd, {"MOTD File is missing"});
    return;
  }
  srv_.numeric(r, irc::kRplMotdStart, {"- " + config.server_name + " Message of the day - "});
  std::string_view motd = config.motd;
  while (!motd.empty()) {
    auto nl = motd.find('\n');
    srv_.numeric(r, irc::kRplMotd, {"- " + std::string(motd.substr(0, nl))});
    motd = nl == std::string_view::npos ? std::string_view{} : motd.substr(nl + 1);
  }
  srv_.numeric(r, irc::kRplEndOfMotd, {"End of /MOTD command."});
}

}  // namespace pchat::server
