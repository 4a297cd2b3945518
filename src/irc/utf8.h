// UTF-8 checks for protocol text. Pure functions, no allocation, thread-safe.
//
// pchat requires every protocol line to be valid UTF-8 (see README.md): what a
// client sends is stored and relayed to other clients, and other clients (and
// the compliance export) must be able to decode it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pchat::irc {

// Returns true iff `s` is well-formed UTF-8 as defined by RFC 3629 / Unicode:
// no overlong encodings, no UTF-16 surrogates (U+D800..U+DFFF), no code points
// above U+10FFFF, no truncated or stray continuation bytes. The empty string is
// valid. NUL bytes are valid UTF-8; callers that forbid them check separately.
bool is_valid_utf8(std::string_view s);

// Returns the longest prefix of `s` that is at most `max_bytes` long and does
// not end inside a multi-byte sequence. Returns `s` itself when it fits.
// For valid UTF-8 input the result is valid UTF-8; for invalid input the result
// is cut at a byte that is not a continuation byte (10xxxxxx), or at max_bytes
// if the 3 bytes before the cut are all continuation bytes.
// The result points into `s`'s storage.
std::string_view truncate_utf8(std::string_view s, std::size_t max_bytes);

// `s` with each maximal invalid subpart (Unicode's "substitution of maximal
// subparts") replaced by U+FFFD; valid UTF-8 comes back unchanged.
std::string replace_invalid_utf8(std::string_view s);

}  // namespace pchat::irc
