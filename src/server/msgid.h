// Message ids (IRCv3 msgid): minted by the server that accepts a message, before
// it is committed, so the echo and the stored row carry the same id.
//
// 26 characters of Crockford base32 (lower case): 48 bits of Unix time in
// milliseconds, then 80 random bits (the ULID layout). Unique across servers and
// restarts without coordination, unguessable, and in time order as text: the
// store's unique index on msgid grows at its right edge instead of at random pages
// (fewer pages touched and written per commit on a large table).
#pragma once

#include <cstdint>
#include <string>

namespace pchat::server {

// `unix_ms` (low 48 bits), then the 80 low bits of `hi:lo` (16 of hi, 64 of lo).
std::string make_msgid(uint64_t unix_ms, uint64_t hi, uint64_t lo);

// make_msgid with the current time and 80 bits from libsodium's generator
// (thread-safe).
std::string new_msgid();

}  // namespace pchat::server
