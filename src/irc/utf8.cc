#include "irc/utf8.h"

#include <cstdint>
#include <cstring>

namespace pchat::irc {

namespace {

constexpr bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// The length of the valid sequence at p (0: invalid; the lead byte ranges and the
// allowed range of the first continuation byte are Unicode's Table 3-7), and in `subpart` how many
// bytes of an invalid one form its maximal subpart (at least 1).
int utf8_sequence(const unsigned char* p, const unsigned char* end, int& subpart) {
  const unsigned char c = *p;
  subpart = 1;
  if (c < 0x80) return 1;
  int len;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c == 0xE0) {
    len = 3;
    lo = 0xA0;
  } else if (c == 0xED) {
    len = 3;
    hi = 0x9F;
  } else if (c >= 0xE1 && c <= 0xEF) {
    len = 3;
  } else if (c == 0xF0) {
    len = 4;
    lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3) {
    len = 4;
  } else if (c == 0xF4) {
    len = 4;
    hi = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < len; ++i) {
    if (p + i >= end) return 0;
    const unsigned char b = p[i];
    if (i == 1 ? (b < lo || b > hi) : !is_continuation(b)) return 0;
    subpart = i + 1;
  }
  return len;
}

}  // namespace

std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  while (p < end) {
    int subpart = 1;
    const int len = utf8_sequence(p, end, subpart);
    if (len > 0) {
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
      p += len;
    } else {
      out += "\xEF\xBF\xBD";
      p += subpart;
    }
  }
  return out;
}

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
    // Unicode Table 3-7, "Well-Formed UTF-8 Byte Sequences".
    int subpart = 0;
    const int len = utf8_sequence(p, end, subpart);
    if (len == 0) return false;
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
