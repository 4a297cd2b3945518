// Lengths, in bytes, of the free text a client sets (ISUPPORT tokens where one
// exists). Longer text is cut at a UTF-8 boundary (irc::truncate_utf8) when it is
// set. The lines that carry it to other clients (JOIN with extended-join, WHO, WHOIS,
// PART, QUIT, KICK, TOPIC) fit IRC's 512 bytes with ordinary names; with the longest
// nick, host and channel they may not, and the serializer cuts their last parameter
// (irc::SerializeOptions::fit_line).
#pragma once

#include <cstddef>

namespace pchat::server {

inline constexpr std::size_t kAwayLen = 390;      // AWAYLEN
inline constexpr std::size_t kKickLen = 390;      // KICKLEN
inline constexpr std::size_t kTopicLen = 390;     // TOPICLEN
inline constexpr std::size_t kRealnameLen = 390;  // USER and SETNAME
inline constexpr std::size_t kReasonLen = 390;    // PART and QUIT reasons

}  // namespace pchat::server
