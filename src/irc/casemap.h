// Case folding and name validation for nicknames, channels and accounts.
//
// pchat advertises CASEMAPPING=ascii (RPL_ISUPPORT): only A-Z and a-z are
// equivalent, so "Nick" and "nick" name the same user while "[" and "{" stay
// distinct (unlike the rfc1459 mapping). Every lookup by name (nick, channel,
// account) goes through fold() so that the stored key is the folded form.
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pchat::irc {

inline constexpr std::size_t kNickLen = 30;      // ISUPPORT NICKLEN
inline constexpr std::size_t kChannelLen = 64;   // ISUPPORT CHANNELLEN, '#' included
inline constexpr std::size_t kAccountLen = 32;   // ISUPPORT ACCOUNTLEN
inline constexpr char kChanTypes[] = "#";        // ISUPPORT CHANTYPES
inline constexpr char kCaseMapping[] = "ascii";  // ISUPPORT CASEMAPPING

// Returns `s` with A-Z mapped to a-z; every other byte (including non-ASCII
// UTF-8) is kept as is.
std::string fold(std::string_view s);

// Returns true iff fold(a) == fold(b), without allocating.
bool equal_folded(std::string_view a, std::string_view b);

// Returns true iff `nick` is a valid nickname (RFC 2812 section 2.3.1, ASCII
// only): 1..kNickLen bytes of letters, digits, the specials []\`_^{|} and '-';
// the first byte is a letter or a special (not a digit, not '-').
bool is_valid_nick(std::string_view nick);

// Returns true iff `name` is a valid channel name: starts with '#' (the only
// CHANTYPES), 2..kChannelLen bytes, valid UTF-8, and contains none of space,
// comma, BEL (0x07), NUL, CR, LF.
bool is_valid_channel_name(std::string_view name);

// Returns true iff `name` is a valid account name: the nickname rules with a
// length of 1..kAccountLen bytes (so an account name that fits kNickLen is
// also a usable nickname).
bool is_valid_account_name(std::string_view name);

// Returns true iff `str` matches the IRC mask `pat` ('*' any run of bytes, possibly
// empty; '?' exactly one byte; everything else itself). Both are compared as given:
// casefold them first (fold) for a case-insensitive match.
bool glob_match(std::string_view pat, std::string_view str);

}  // namespace pchat::irc
