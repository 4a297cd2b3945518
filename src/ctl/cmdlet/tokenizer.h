// Lexer for one cmdlet line, PowerShell argument-mode rules (see README.md).
//
// The parser pulls tokens one at a time and says, per call, whether a bare word may
// contain '=' (arguments: `OU=Legal`) or stops at it (hashtable keys: `Add=`).
// Besides ASCII, the lexer takes what copied runbooks contain: the dashes U+2010,
// U+2013, U+2014 and U+2015 before a parameter name, the curly quotes U+201C U+201D
// U+201E (double) and U+2018 U+2019 U+201A U+201B (single), and non-breaking spaces.
// Not thread-safe per instance; instances are independent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pchat::ctl::cmdlet {

enum class TokenKind {
  kEnd,        // end of the line, or a '#' comment running to it
  kWord,       // an argument: bare word, quoted string, or pieces glued (`a"b c"`)
  kParameter,  // -Name or -Name: (any accepted dash)
  kVariable,   // $name
  kComma,      // ,
  kSemicolon,  // ;
  kPipe,       // |
  kEquals,     // = (only when lexing a hashtable key)
  kAtBrace,    // @{
  kAtParen,    // @(
  kLBrace,     // {
  kRBrace,     // }
  kLParen,     // (
  kRParen,     // )
  kOther,      // & < > or a lone @ or $: never valid here, reported by the parser
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  // kWord: the value after unquoting and unescaping; kParameter and kVariable: the
  // name without dash, colon or '$'; others: the source text.
  std::string text;
  std::size_t offset = 0;  // byte offset of the token's first character in the line
  std::size_t end = 0;     // byte offset just past the token
  bool quoted = false;     // kWord: some part was quoted or escaped (never a number)
  bool colon = false;      // kParameter: written `-Name:`
};

enum class LexMode {
  kArgument,  // bare words may contain '='
  kHashKey,   // '=' ends a bare word and is a token
};

class Lexer {
 public:
  // `line` must outlive the lexer.
  explicit Lexer(std::string_view line) : line_(line) {}

  // Skips whitespace, `<# ... #>` comments and a `#` comment to the end, then reads
  // one token. kEnd once the line is used up (and on every later call).
  // Errors (kInvalidInput, message naming the column): an unterminated string or
  // block comment; `$name`, `$(`, `${` inside a double-quoted string or a bare word
  // (expansion is not supported); a malformed parameter name (`-Name.x`).
  Result<Token> next(LexMode mode = LexMode::kArgument);

  // next() without consuming.
  Result<Token> peek(LexMode mode = LexMode::kArgument);

  // The 1-based column (in code points) of a byte offset of the line.
  int column(std::size_t offset) const;

  std::string_view line() const { return line_; }

 private:
  Status skip_space_and_comments();
  Result<Token> read_word(LexMode mode);
  Status read_double_quoted(std::string* out);
  Status read_single_quoted(std::string* out);
  Status check_no_expansion(std::size_t dollar) const;
  char32_t at(std::size_t pos, std::size_t* len) const;

  std::string_view line_;
  std::size_t pos_ = 0;
  // column(): the last answer, so that increasing offsets cost linear time in total.
  mutable std::size_t column_pos_ = 0;
  mutable int column_ = 1;
};

// True for the characters accepted as a parameter dash: - U+2010 U+2013 U+2014 U+2015.
bool is_dash(char32_t cp);

}  // namespace pchat::ctl::cmdlet
