#include "irc/utf8.h"

#include <cstdint>
#include <cstring>

namespace pchat::irc {

namespace {

constexpr bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  while (p < end) {
    // Fast path: 8 ASCII bytes at a time (chat text is mostly ASCII).
    if (end - p >= 8) {
      std::uint64_t chunk;
      std::memcpy(&chunk, p, sizeof chunk);
      if ((chunk & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // Lead byte ranges and the allowed range of the first continuation byte
    // (Unicode Table 3-7, "Well-Formed UTF-8 Byte Sequences").
    int len;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c == 0xE0) {
      len = 3;
      lo = 0xA0;  // no overlongs
    } else if (c == 0xED) {
      len = 3;
      hi = 0x9F;  // no surrogates
    } else if (c >= 0xE1 && c <= 0xEF) {
      len = 3;
    } else if (c == 0xF0) {
      len = 4;
      lo = 0x90;  // no overlongs
    } else if (c >= 0xF1 && c <= 0xF3) {
      len = 4;
    } else if (c == 0xF4) {
      len = 4;
      hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;  // 0x80..0xC1 (stray continuation, overlong 2-byte), 0xF5..0xFF
    }
    if (end - p < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i < len; ++i) {
      if (!is_continuation(p[i])) return false;
    }
    p += len;
  }
  return true;
}

std::string_view truncate_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  // s[cut] is the first byte dropped; back off while it continues a sequence
  // that started before the cut. A sequence is at most 4 bytes long.
  for (int i = 0; i < 3 && cut > 0 && is_continuation(static_cast<unsigned char>(s[cut])); ++i) {
    --cut;
  }
  if (is_continuation(static_cast<unsigned char>(s[cut])) && cut > 0) {
    cut = max_bytes;  // invalid input: no lead byte within reach; cut bytewise
  }
  return s.substr(0, cut);
}

}  // namespace pchat::irc
