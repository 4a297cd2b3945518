// Text that XML 1.0 can carry.
//
// XML 1.0 (section 2.2, production [2] Char) allows only #x9 | #xA | #xD |
// [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF], even as a character
// reference. Chat text can hold anything a client sent, so every string the
// XML adapter writes goes through xml_safe_text first. Escaping of the allowed
// characters (& < > " and the \t \n \r that must survive attribute-value
// normalization) is pugixml's job, not ours.
#pragma once

#include <string>
#include <string_view>

namespace pchat::compliance {

// U+FFFD REPLACEMENT CHARACTER, UTF-8 encoded.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// Returns `s` with every code point XML 1.0 forbids (C0 controls other than
// tab/LF/CR, U+FFFE, U+FFFF) and every byte of ill-formed UTF-8 (overlong forms,
// surrogates, > U+10FFFF, truncated or stray bytes) replaced by U+FFFD, one per
// code point or per bad byte. So the loss is visible in the record and the output
// stays well-formed. Valid text, emoji outside the BMP included, is unchanged.
std::string xml_safe_text(std::string_view s);

// True iff xml_safe_text(s) == s.
bool is_xml_safe_text(std::string_view s);

}  // namespace pchat::compliance
