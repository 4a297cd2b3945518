// Numeric replies the server sends, by name. Sources per group; the modern
// client protocol document (https://modern.ircdocs.horse/) is the reference for
// numbers and parameter shapes where it differs from the RFCs.
//
// Every numeric's first parameter is the client's nick ("*" before
// registration); the shapes below list the parameters after it.
#pragma once

namespace pchat::irc {

// --- Registration (RFC 2812 5.1; RPL_ISUPPORT: modern ircdocs, draft-brocklesby-irc-isupport)
inline constexpr const char* kRplWelcome = "001";   // :Welcome to the <network> Network, <nick>
inline constexpr const char* kRplYourHost = "002";  // :Your host is <server>, running version <v>
inline constexpr const char* kRplCreated = "003";   // :This server was created <date>
inline constexpr const char* kRplMyInfo =
    "004";  // <server> <version> <umodes> <cmodes> [<cmodes with param>]
inline constexpr const char* kRplISupport =
    "005";  // <token>{ <token>} :are supported by this server
inline constexpr const char* kRplBounce =
    "010";  // <hostname> <port> :<info> (modern; RFC 2812 used 005)

// --- User modes, LUSERS (RFC 2812 5.1)
inline constexpr const char* kRplUModeIs = "221";  // <user modes>
inline constexpr const char* kRplLUserClient =
    "251";  // :There are <u> users and <i> invisible on <s> servers
inline constexpr const char* kRplLUserOp = "252";        // <ops> :operator(s) online
inline constexpr const char* kRplLUserUnknown = "253";   // <connections> :unknown connection(s)
inline constexpr const char* kRplLUserChannels = "254";  // <channels> :channels formed
inline constexpr const char* kRplLUserMe = "255";        // :I have <c> clients and <s> servers
inline constexpr const char* kRplLocalUsers =
    "265";  // [<u> <max>] :Current local users <u>, max <max> (modern)
inline constexpr const char* kRplGlobalUsers =
    "266";  // [<u> <max>] :Current global users <u>, max <max> (modern)

// --- Away, userhost, ison, whois, who (RFC 2812 5.1; 330/338/378/671: modern ircdocs)
inline constexpr const char* kRplAway = "301";           // <nick> :<message>
inline constexpr const char* kRplUserHost = "302";       // :[<reply>{ <reply>}]
inline constexpr const char* kRplIsOn = "303";           // :[<nick>{ <nick>}]
inline constexpr const char* kRplUnAway = "305";         // :You are no longer marked as being away
inline constexpr const char* kRplNowAway = "306";        // :You have been marked as being away
inline constexpr const char* kRplWhoisUser = "311";      // <nick> <user> <host> * :<realname>
inline constexpr const char* kRplWhoisServer = "312";    // <nick> <server> :<server info>
inline constexpr const char* kRplWhoisOperator = "313";  // <nick> :is an IRC operator
inline constexpr const char* kRplWhoWasUser = "314";     // <nick> <user> <host> * :<realname>
inline constexpr const char* kRplEndOfWho = "315";       // <mask> :End of WHO list
inline constexpr const char* kRplWhoisIdle =
    "317";  // <nick> <secs> <signon> :seconds idle, signon time
inline constexpr const char* kRplEndOfWhois = "318";  // <nick> :End of /WHOIS list
inline constexpr const char* kRplWhoisChannels =
    "319";  // <nick> :[prefix]<channel>{ [prefix]<channel>}
inline constexpr const char* kRplWhoisAccount = "330";   // <nick> <account> :is logged in as
inline constexpr const char* kRplWhoisActually = "338";  // <nick> <host|ip> :Is actually using host
inline constexpr const char* kRplWhoReply =
    "352";  // <chan> <user> <host> <server> <nick> <flags> :<hop> <realname>
inline constexpr const char* kRplWhoSpcRpl = "354";    // WHOX reply (ircv3 WHOX, modern ircdocs)
inline constexpr const char* kRplEndOfWhoWas = "369";  // <nick> :End of WHOWAS
inline constexpr const char* kRplWhoisHost = "378";    // <nick> :is connecting from *@<host> <ip>
inline constexpr const char* kRplWhoisModes = "379";   // <nick> :is using modes <modes>
inline constexpr const char* kRplWhoisSecure = "671";  // <nick> :is using a secure connection

// --- Channels: LIST, modes, topic, invite, names (RFC 2812 5.1; 329/333: modern ircdocs)
inline constexpr const char* kRplListStart = "321";  // Channel :Users  Name
inline constexpr const char* kRplList = "322";       // <channel> <count> :<topic>
inline constexpr const char* kRplListEnd = "323";    // :End of /LIST
inline constexpr const char* kRplChannelModeIs =
    "324";  // <channel> <modestring> <mode arguments>...
inline constexpr const char* kRplCreationTime = "329";     // <channel> <creation time>
inline constexpr const char* kRplNoTopic = "331";          // <channel> :No topic is set
inline constexpr const char* kRplTopic = "332";            // <channel> :<topic>
inline constexpr const char* kRplTopicWhoTime = "333";     // <channel> <nick> <setat>
inline constexpr const char* kRplInviting = "341";         // <nick> <channel>
inline constexpr const char* kRplInviteList = "346";       // <channel> <mask>
inline constexpr const char* kRplEndOfInviteList = "347";  // <channel> :End of channel invite list
inline constexpr const char* kRplExceptList = "348";       // <channel> <mask>
inline constexpr const char* kRplEndOfExceptList =
    "349";  // <channel> :End of channel exception list
inline constexpr const char* kRplNamReply =
    "353";  // <symbol> <channel> :[prefix]<nick>{ [prefix]<nick>}
inline constexpr const char* kRplEndOfNames = "366";    // <channel> :End of /NAMES list
inline constexpr const char* kRplBanList = "367";       // <channel> <mask> [<who> <set-ts>]
inline constexpr const char* kRplEndOfBanList = "368";  // <channel> :End of channel ban list

// --- Server queries, MOTD (RFC 2812 5.1)
inline constexpr const char* kRplVersion = "351";    // <version> <server> :<comments>
inline constexpr const char* kRplInfo = "371";       // :<string>
inline constexpr const char* kRplMotd = "372";       // :<line of the motd>
inline constexpr const char* kRplEndOfInfo = "374";  // :End of INFO list
inline constexpr const char* kRplMotdStart = "375";  // :- <server> Message of the day -
inline constexpr const char* kRplEndOfMotd = "376";  // :End of /MOTD command.
inline constexpr const char* kRplYoureOper = "381";  // :You are now an IRC operator
inline constexpr const char* kRplTime = "391";       // <server> :<time string>

// --- Errors (RFC 2812 5.2; 417/476/525/691/723: modern ircdocs)
inline constexpr const char* kErrUnknownError = "400";      // <command>{ <subcommand>} :<info>
inline constexpr const char* kErrNoSuchNick = "401";        // <nick> :No such nick/channel
inline constexpr const char* kErrNoSuchServer = "402";      // <server> :No such server
inline constexpr const char* kErrNoSuchChannel = "403";     // <channel> :No such channel
inline constexpr const char* kErrCannotSendToChan = "404";  // <channel> :Cannot send to channel
inline constexpr const char* kErrTooManyChannels =
    "405";  // <channel> :You have joined too many channels
inline constexpr const char* kErrWasNoSuchNick = "406";     // <nick> :There was no such nickname
inline constexpr const char* kErrTooManyTargets = "407";    // <target> :Too many targets
inline constexpr const char* kErrNoOrigin = "409";          // :No origin specified
inline constexpr const char* kErrNoRecipient = "411";       // :No recipient given (<command>)
inline constexpr const char* kErrNoTextToSend = "412";      // :No text to send
inline constexpr const char* kErrInputTooLong = "417";      // :Input line was too long
inline constexpr const char* kErrUnknownCommand = "421";    // <command> :Unknown command
inline constexpr const char* kErrNoMotd = "422";            // :MOTD File is missing
inline constexpr const char* kErrNoNicknameGiven = "431";   // :No nickname given
inline constexpr const char* kErrErroneusNickname = "432";  // <nick> :Erroneous nickname
inline constexpr const char* kErrNicknameInUse = "433";     // <nick> :Nickname is already in use
inline constexpr const char* kErrUnavailResource =
    "437";  // <nick/channel> :Nick/channel is temporarily unavailable
inline constexpr const char* kErrUserNotInChannel =
    "441";  // <nick> <channel> :They aren't on that channel
inline constexpr const char* kErrNotOnChannel = "442";    // <channel> :You're not on that channel
inline constexpr const char* kErrUserOnChannel = "443";   // <nick> <channel> :is already on channel
inline constexpr const char* kErrNotRegistered = "451";   // :You have not registered
inline constexpr const char* kErrNeedMoreParams = "461";  // <command> :Not enough parameters
inline constexpr const char* kErrAlreadyRegistered = "462";  // :You may not reregister
inline constexpr const char* kErrPasswdMismatch = "464";     // :Password incorrect
inline constexpr const char* kErrYoureBannedCreep = "465";   // :You are banned from this server
inline constexpr const char* kErrChannelIsFull = "471";      // <channel> :Cannot join channel (+l)
inline constexpr const char* kErrUnknownMode = "472";     // <modechar> :is unknown mode char to me
inline constexpr const char* kErrInviteOnlyChan = "473";  // <channel> :Cannot join channel (+i)
inline constexpr const char* kErrBannedFromChan = "474";  // <channel> :Cannot join channel (+b)
inline constexpr const char* kErrBanListFull = "478";     // <channel> <char> :Channel list is full
inline constexpr const char* kErrBadChannelKey = "475";   // <channel> :Cannot join channel (+k)
inline constexpr const char* kErrBadChanMask = "476";     // <channel> :Bad Channel Mask
inline constexpr const char* kErrNeedReggedNick =
    "477";  // <channel> :You need to be logged in (common use)
inline constexpr const char* kErrNoPrivileges =
    "481";  // :Permission Denied- You're not an IRC operator
inline constexpr const char* kErrChanOPrivsNeeded =
    "482";                                                // <channel> :You're not channel operator
inline constexpr const char* kErrCantKillServer = "483";  // :You cant kill a server!
inline constexpr const char* kErrNoOperHost = "491";      // :No O-lines for your host
inline constexpr const char* kErrUModeUnknownFlag = "501";  // :Unknown MODE flag
inline constexpr const char* kErrUsersDontMatch = "502";    // :Cant change mode for other users
inline constexpr const char* kErrHelpNotFound =
    "524";                                            // <subject> :No help available on this topic
inline constexpr const char* kErrInvalidKey = "525";  // <channel> :Key is not well-formed
inline constexpr const char* kErrInvalidModeParam =
    "696";                                         // <target> <mode char> <param> :<description>
inline constexpr const char* kErrNoPrivs = "723";  // <priv> :Insufficient oper privileges.

// --- Help (modern ircdocs, from ircu/ratbox HELP)
inline constexpr const char* kRplHelpStart = "704";  // <subject> :<first line of help section>
inline constexpr const char* kRplHelpTxt = "705";    // <subject> :<line of help text>
inline constexpr const char* kRplEndOfHelp = "706";  // <subject> :<last line of help text>

// --- Monitor (IRCv3 monitor)
inline constexpr const char* kRplMonOnline = "730";     // :<target>[!<user>@<host>]{,...}
inline constexpr const char* kRplMonOffline = "731";    // :<target>{,<target>}
inline constexpr const char* kRplMonList = "732";       // :<target>{,<target>}
inline constexpr const char* kRplEndOfMonList = "733";  // :End of MONITOR list
inline constexpr const char* kErrMonListFull = "734";   // <limit> <targets> :Monitor list is full.

// --- Account and SASL (IRCv3 sasl-3.1/3.2)
inline constexpr const char* kRplLoggedIn =
    "900";  // <nick>!<user>@<host> <account> :You are now logged in as <account>
inline constexpr const char* kRplLoggedOut = "901";  // <nick>!<user>@<host> :You are now logged out
inline constexpr const char* kErrNickLocked = "902";   // :You must use a nick assigned to you
inline constexpr const char* kRplSaslSuccess = "903";  // :SASL authentication successful
inline constexpr const char* kErrSaslFail = "904";     // :SASL authentication failed
inline constexpr const char* kErrSaslTooLong = "905";  // :SASL message too long
inline constexpr const char* kErrSaslAborted = "906";  // :SASL authentication aborted
inline constexpr const char* kErrSaslAlready = "907";  // :You have already authenticated using SASL
inline constexpr const char* kRplSaslMechs = "908";  // <mechanisms> :are available SASL mechanisms

}  // namespace pchat::irc
