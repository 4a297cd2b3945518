// Text helpers shared by the cmdlet and SQL front ends. Pure functions, thread-safe.
//
// Lines typed or pasted by an operator are UTF-8 but not trusted to be well formed:
// every function here accepts arbitrary bytes and never reads past the view.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pchat::ctl::cmdlet {

// Marks a byte that does not start a well-formed UTF-8 sequence.
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// Decodes the code point starting at s[pos]. REQUIRES: pos < s.size().
// Returns its length in bytes (1..4) and stores it in *cp; a byte that does not start
// a well-formed sequence (stray continuation, truncated, overlong, surrogate, above
// U+10FFFF) counts as one byte with *cp = kInvalidCodePoint.
std::size_t decode_utf8(std::string_view s, std::size_t pos, char32_t* cp);

// The 1-based column, counted in code points (as decode_utf8 steps), of byte `offset`
// of `line`. An offset past the end gives the column just after the last character.
int column_at(std::string_view line, std::size_t offset);

// Whitespace as an operator's paste may contain it: ASCII space and controls
// \t \n \v \f \r, NO-BREAK SPACE, the U+2000..U+200B spaces, U+202F, U+205F,
// U+3000 and the byte-order mark U+FEFF.
bool is_space(char32_t cp);

// ASCII-only case folding and comparison (cmdlet, parameter and SQL keywords are ASCII).
std::string to_lower_ascii(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// `text` made safe to quote in a message: control characters and bytes that are not
// valid UTF-8 become \xNN, and text longer than `max_chars` code points is cut and
// ends with "...".
std::string excerpt(std::string_view text, std::size_t max_chars = 40);

}  // namespace pchat::ctl::cmdlet
