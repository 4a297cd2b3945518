#include "compliance/xml_text.h"

#include <cstdint>

namespace pchat::compliance {

namespace {

bool is_xml_char(uint32_t cp) {
  if (cp < 0x20) return cp == 0x9 || cp == 0xA || cp == 0xD;
  if (cp <= 0xD7FF) return true;
  if (cp < 0xE000) return false;  // surrogates
  if (cp <= 0xFFFD) return true;
  if (cp <= 0xFFFF) return false;  // U+FFFE, U+FFFF
  return cp <= 0x10FFFF;
}

// Decodes one well-formed UTF-8 sequence at s[i]. Returns its length (1..4) and
// sets *cp, or 0 when the bytes at s[i] do not start a well-formed sequence.
size_t decode(std::string_view s, size_t i, uint32_t* cp) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  uint32_t v;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, v = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, v = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return 0;  // continuation byte or 0xF8..0xFF
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

}  // namespace

std::string xml_safe_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = decode(s, i, &cp);
    if (len == 0) {
      out += kReplacementChar;
      ++i;
    } else {
      if (is_xml_char(cp)) {
        out.append(s.substr(i, len));
      } else {
        out += kReplacementChar;
      }
      i += len;
    }
  }
  return out;
}

bool is_xml_safe_text(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = decode(s, i, &cp);
    if (len == 0 || !is_xml_char(cp)) return false;
    i += len;
  }
  return true;
}

}  // namespace pchat::compliance
