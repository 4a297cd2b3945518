#include "ctl/cmdlet/tokenizer.h"

#include <utility>

#include "ctl/cmdlet/text.h"

namespace pchat::ctl::cmdlet {

namespace {

bool is_double_quote(char32_t cp) {
  return cp == U'"' || cp == 0x201C || cp == 0x201D || cp == 0x201E;
}

bool is_single_quote(char32_t cp) {
  return cp == U'\'' || cp == 0x2018 || cp == 0x2019 || cp == 0x201A || cp == 0x201B;
}

bool is_ascii_letter(char32_t cp) {
  return (cp >= U'a' && cp <= U'z') || (cp >= U'A' && cp <= U'Z');
}

bool is_name_char(char32_t cp) {
  return is_ascii_letter(cp) || (cp >= U'0' && cp <= U'9') || cp == U'_';
}

// Characters that end a bare word (and a parameter or variable name).
bool is_terminator(char32_t cp, LexMode mode) {
  switch (cp) {
    case U',':
    case U';':
    case U'|':
    case U'&':
    case U'(':
    case U')':
    case U'{':
    case U'}':
    case U'<':
    case U'>':
      return true;
    case U'=':
      return mode == LexMode::kHashKey;
    default:
      return is_space(cp);
  }
}

// PowerShell's backtick escapes; any other character stands for itself.
bool escape_of(char32_t cp, char* out) {
  switch (cp) {
    case U'0':
      *out = '\0';
      return true;
    case U'a':
      *out = '\a';
      return true;
    case U'b':
      *out = '\b';
      return true;
    case U'e':
      *out = '\x1b';
      return true;
    case U'f':
      *out = '\f';
      return true;
    case U'n':
      *out = '\n';
      return true;
    case U'r':
      *out = '\r';
      return true;
    case U't':
      *out = '\t';
      return true;
    case U'v':
      *out = '\v';
      return true;
    default:
      return false;
  }
}

}  // namespace

bool is_dash(char32_t cp) {
  return cp == U'-' || cp == 0x2010 || cp == 0x2013 || cp == 0x2014 || cp == 0x2015;
}

char32_t Lexer::at(std::size_t pos, std::size_t* len) const {
  if (pos >= line_.size()) {
    *len = 0;
    return 0;
  }
  char32_t cp = 0;
  *len = decode_utf8(line_, pos, &cp);
  return cp;
}

int Lexer::column(std::size_t offset) const {
  if (offset < column_pos_) {
    column_pos_ = 0;
    column_ = 1;
  }
  while (column_pos_ < offset && column_pos_ < line_.size()) {
    char32_t cp = 0;
    column_pos_ += decode_utf8(line_, column_pos_, &cp);
    ++column_;
  }
  return column_;
}

Status Lexer::skip_space_and_comments() {
  while (pos_ < line_.size()) {
    std::size_t len = 0;
    const char32_t cp = at(pos_, &len);
    if (is_space(cp)) {
      pos_ += len;
    } else if (cp == U'`' && pos_ + 1 == line_.size()) {
      pos_ += 1;  // a line continuation left at the very end: nothing follows
    } else if (cp == U'#') {
      pos_ = line_.size();
    } else if (cp == U'<' && pos_ + 1 < line_.size() && line_[pos_ + 1] == '#') {
      const std::size_t close = line_.find("#>", pos_ + 2);
      if (close == std::string_view::npos) {
        return invalid_input("unterminated comment '<#' at column " + std::to_string(column(pos_)));
      }
      pos_ = close + 2;
    } else {
      break;
    }
  }
  return ok_status();
}

Status Lexer::check_no_expansion(std::size_t dollar) const {
  std::size_t len = 0;
  const char32_t next = at(dollar + 1, &len);
  if (is_ascii_letter(next) || next == U'_' || next == U'{' || next == U'(') {
    std::size_t stop = dollar + 1;
    while (stop < line_.size() && stop - dollar < 24 && is_name_char(at(stop, &len))) stop += len;
    if (stop == dollar + 1) stop += 1;
    return invalid_input("variable expansion is not supported: '" +
                         excerpt(line_.substr(dollar, stop - dollar)) + "' at column " +
                         std::to_string(column(dollar)) + " (use single quotes, or write `$)");
  }
  return ok_status();
}

Status Lexer::read_double_quoted(std::string* out) {
  const std::size_t open = pos_;
  std::size_t len = 0;
  at(pos_, &len);
  pos_ += len;
  while (true) {
    if (pos_ >= line_.size()) {
      return invalid_input("unterminated string starting at column " +
                           std::to_string(column(open)));
    }
    const char32_t cp = at(pos_, &len);
    if (is_double_quote(cp)) {
      std::size_t next_len = 0;
      if (is_double_quote(at(pos_ + len, &next_len))) {  // "" stands for one quote
        out->append(line_.substr(pos_ + len, next_len));
        pos_ += len + next_len;
        continue;
      }
      pos_ += len;
      return ok_status();
    }
    if (cp == U'`') {
      std::size_t esc_len = 0;
      const char32_t esc = at(pos_ + 1, &esc_len);
      if (esc_len == 0) {
        return invalid_input("unterminated string starting at column " +
                             std::to_string(column(open)));
      }
      char c = 0;
      if (escape_of(esc, &c)) {
        out->push_back(c);
      } else {
        out->append(line_.substr(pos_ + 1, esc_len));
      }
      pos_ += 1 + esc_len;
      continue;
    }
    if (cp == U'$') {
      if (Status s = check_no_expansion(pos_); !s) return s;
    }
    out->append(line_.substr(pos_, len));
    pos_ += len;
  }
}

Status Lexer::read_single_quoted(std::string* out) {
  const std::size_t open = pos_;
  std::size_t len = 0;
  at(pos_, &len);
  pos_ += len;
  while (true) {
    if (pos_ >= line_.size()) {
      return invalid_input("unterminated string starting at column " +
                           std::to_string(column(open)));
    }
    const char32_t cp = at(pos_, &len);
    if (is_single_quote(cp)) {
      std::size_t next_len = 0;
      if (is_single_quote(at(pos_ + len, &next_len))) {  // '' stands for one quote
        out->append(line_.substr(pos_ + len, next_len));
        pos_ += len + next_len;
        continue;
      }
      pos_ += len;
      return ok_status();
    }
    out->append(line_.substr(pos_, len));
    pos_ += len;
  }
}

Result<Token> Lexer::read_word(LexMode mode) {
  Token token;
  token.kind = TokenKind::kWord;
  token.offset = pos_;
  while (pos_ < line_.size()) {
    std::size_t len = 0;
    const char32_t cp = at(pos_, &len);
    if (is_terminator(cp, mode)) break;
    if (is_double_quote(cp)) {
      if (Status s = read_double_quoted(&token.text); !s) return s.error();
      token.quoted = true;
    } else if (is_single_quote(cp)) {
      if (Status s = read_single_quoted(&token.text); !s) return s.error();
      token.quoted = true;
    } else if (cp == U'`') {
      token.quoted = true;
      std::size_t esc_len = 0;
      const char32_t esc = at(pos_ + 1, &esc_len);
      char c = 0;
      if (esc_len == 0) {
        pos_ += 1;  // line continuation at the very end
      } else if (escape_of(esc, &c)) {
        token.text.push_back(c);
      } else {
        token.text.append(line_.substr(pos_ + 1, esc_len));
      }
      pos_ += esc_len == 0 ? 0 : 1 + esc_len;
    } else {
      if (cp == U'$') {
        if (Status s = check_no_expansion(pos_); !s) return s.error();
      }
      token.text.append(line_.substr(pos_, len));
      pos_ += len;
    }
  }
  token.end = pos_;
  return token;
}

// Long: one dispatch over PowerShell's token kinds; split up, the grammar would scatter.
Result<Token> Lexer::next(LexMode mode) {
  if (Status s = skip_space_and_comments(); !s) return s.error();
  Token token;
  token.offset = pos_;
  if (pos_ >= line_.size()) {
    token.end = pos_;
    return token;  // kEnd
  }
  std::size_t len = 0;
  const char32_t cp = at(pos_, &len);
  auto single = [&](TokenKind kind) {
    token.kind = kind;
    token.text = std::string(line_.substr(pos_, len));
    pos_ += len;
    token.end = pos_;
    return token;
  };
  switch (cp) {
    case U',':
      return single(TokenKind::kComma);
    case U';':
      return single(TokenKind::kSemicolon);
    case U'|':
      return single(TokenKind::kPipe);
    case U'(':
      return single(TokenKind::kLParen);
    case U')':
      return single(TokenKind::kRParen);
    case U'{':
      return single(TokenKind::kLBrace);
    case U'}':
      return single(TokenKind::kRBrace);
    case U'&':
    case U'<':
    case U'>':
      return single(TokenKind::kOther);
    case U'=':
      if (mode == LexMode::kHashKey) return single(TokenKind::kEquals);
      break;
    case U'@': {
      if (pos_ + 1 < line_.size() && (line_[pos_ + 1] == '{' || line_[pos_ + 1] == '(')) {
        token.kind = line_[pos_ + 1] == '{' ? TokenKind::kAtBrace : TokenKind::kAtParen;
        token.text = std::string(line_.substr(pos_, 2));
        pos_ += 2;
        token.end = pos_;
        return token;
      }
      return single(TokenKind::kOther);
    }
    case U'$': {
      std::size_t stop = pos_ + 1;
      std::size_t n = 0;
      while (stop < line_.size() && is_name_char(at(stop, &n))) stop += n;
      if (stop == pos_ + 1) {
        if (Status s = check_no_expansion(pos_); !s) return s.error();  // $( and ${
        return single(TokenKind::kOther);
      }
      const char32_t after = at(stop, &n);
      if (n != 0 && !is_terminator(after, mode)) {
        return invalid_input("unexpected '" + excerpt(line_.substr(stop, n)) + "' at column " +
                             std::to_string(column(stop)) + " after '" +
                             excerpt(line_.substr(pos_, stop - pos_)) + "'");
      }
      token.kind = TokenKind::kVariable;
      token.text = std::string(line_.substr(pos_ + 1, stop - pos_ - 1));
      pos_ = stop;
      token.end = pos_;
      return token;
    }
    default:
      break;
  }
  if (is_dash(cp)) {
    std::size_t n = 0;
    const char32_t first = at(pos_ + len, &n);
    if (is_ascii_letter(first) || first == U'_') {
      std::size_t stop = pos_ + len;
      while (stop < line_.size() && is_name_char(at(stop, &n))) stop += n;
      token.kind = TokenKind::kParameter;
      token.text = std::string(line_.substr(pos_ + len, stop - pos_ - len));
      if (stop < line_.size() && line_[stop] == ':') {
        token.colon = true;
        ++stop;
      }
      const char32_t after = at(stop, &n);
      if (!token.colon && n != 0 && !is_terminator(after, LexMode::kArgument)) {
        std::size_t bad_end = stop;
        while (bad_end < line_.size() && !is_terminator(at(bad_end, &n), LexMode::kArgument)) {
          bad_end += n;
        }
        return invalid_input("invalid parameter name '" +
                             excerpt(line_.substr(pos_, bad_end - pos_)) + "' at column " +
                             std::to_string(column(pos_)));
      }
      pos_ = stop;
      token.end = pos_;
      return token;
    }
  }
  return read_word(mode);
}

Result<Token> Lexer::peek(LexMode mode) {
  const std::size_t saved = pos_;
  Result<Token> token = next(mode);
  pos_ = saved;
  return token;
}

}  // namespace pchat::ctl::cmdlet
