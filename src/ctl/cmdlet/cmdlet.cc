// Parser for one cmdlet line. Grammar (README.md has it with examples):
//
//   line      := name element* [ '#' comment ]
//   name      := Verb '-' Noun                      (bare word, ASCII letters/digits)
//   element   := parameter [ value ] | value        (value joins a parameter unless
//                                                    the parameter is written -Name:)
//   value     := primary ( ',' primary )*           (two or more: a list)
//   primary   := word | number | $true | $false | $null | '@(' [ value ] ')'
//              | '@{' [ entry ( ';' entry )* ] '}'
//   entry     := ( Add | Remove | Replace ) '=' value
//
// The lexer (tokenizer.h) handles quoting, escapes and the accepted Unicode dashes and
// quotes; this file only arranges tokens. Nesting is at most @{ @( ) }, so the
// recursion depth is bounded whatever the input.
#include "ctl/cmdlet/cmdlet.h"

#include <cstdint>
#include <utility>

#include "ctl/cmdlet/text.h"
#include "ctl/cmdlet/tokenizer.h"

namespace pchat::ctl::cmdlet {

namespace {

// A bare integer: optional sign, decimal digits, optional KB/MB/GB/TB/PB multiplier
// (PowerShell's numeric suffixes). False when `text` is not one or overflows int64.
bool parse_integer(std::string_view text, std::int64_t* out) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  const std::size_t digits_start = i;
  std::int64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const int digit = text[i] - '0';
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_sub_overflow(value, digit, &value)) {  // accumulate negatively: INT64_MIN fits
      return false;
    }
    ++i;
  }
  if (i == digits_start) return false;
  std::int64_t multiplier = 1;
  const std::string_view suffix = text.substr(i);
  if (!suffix.empty()) {
    static constexpr std::pair<std::string_view, std::int64_t> kSuffixes[] = {{"kb", 1LL << 10},
                                                                              {"mb", 1LL << 20},
                                                                              {"gb", 1LL << 30},
                                                                              {"tb", 1LL << 40},
                                                                              {"pb", 1LL << 50}};
    multiplier = 0;
    for (const auto& [name, factor] : kSuffixes) {
      if (iequals(suffix, name)) multiplier = factor;
    }
    if (multiplier == 0) return false;
  }
  if (__builtin_mul_overflow(value, multiplier, &value)) return false;
  if (!negative) {
    if (value == INT64_MIN) return false;
    value = -value;
  }
  *out = value;
  return true;
}

// `Verb-Noun` with any accepted dash; returns the lowercased name with '-', or "".
std::string cmdlet_name_lower(std::string_view text) {
  std::string out;
  bool seen_dash = false;
  bool verb_ok = false;
  bool noun_ok = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = 0;
    const std::size_t len = decode_utf8(text, pos, &cp);
    pos += len;
    const bool letter = (cp >= U'a' && cp <= U'z') || (cp >= U'A' && cp <= U'Z');
    const bool digit = cp >= U'0' && cp <= U'9';
    if (is_dash(cp)) {
      if (seen_dash || !verb_ok) return "";
      seen_dash = true;
      out.push_back('-');
    } else if (letter || (digit && seen_dash)) {
      out.push_back(static_cast<char>(cp));
      (seen_dash ? noun_ok : verb_ok) = true;
    } else {
      return "";
    }
  }
  return noun_ok ? to_lower_ascii(out) : "";
}

class Parser {
 public:
  explicit Parser(std::string_view line) : lx_(line) {}

  Result<CmdletCall> run();

 private:
  std::string quote(const Token& t) const {
    return "'" + excerpt(lx_.line().substr(t.offset, t.end - t.offset)) + "'";
  }
  std::string col(std::size_t offset) const {
    return "column " + std::to_string(lx_.column(offset));
  }
  Error unexpected(const Token& t, std::string_view expected = "") const;
  Error top_level_error(const Token& t) const;
  Result<Value> parse_value(const Token& first);
  Result<Value> parse_primary(const Token& t);
  Result<Value> parse_hashtable(const Token& open);
  Result<Value> parse_array(const Token& open);
  Status append_strings(const Value& v, const Token& at, std::vector<std::string>* out) const;

  Lexer lx_;
};

Error Parser::unexpected(const Token& t, std::string_view expected) const {
  std::string message = t.kind == TokenKind::kEnd
                            ? "unexpected end of line at " + col(t.offset)
                            : "unexpected " + quote(t) + " at " + col(t.offset);
  if (!expected.empty()) message += std::string(" (expected ") + std::string(expected) + ")";
  return invalid_input(std::move(message));
}

// Tokens that cannot start an element, with the reason PowerShell users need.
Error Parser::top_level_error(const Token& t) const {
  switch (t.kind) {
    case TokenKind::kPipe:
    case TokenKind::kSemicolon:
      return invalid_input("pipelines are not supported: " + quote(t) + " at " + col(t.offset) +
                           " (one command per line)");
    case TokenKind::kOther:
      if (t.text == "&") {
        return invalid_input("pipelines are not supported: " + quote(t) + " at " + col(t.offset) +
                             " (one command per line)");
      }
      if (t.text == "<" || t.text == ">") {
        return invalid_input("redirection is not supported: " + quote(t) + " at " + col(t.offset));
      }
      return unexpected(t);
    case TokenKind::kLParen:
      return invalid_input("subexpressions are not supported: " + quote(t) + " at " +
                           col(t.offset));
    case TokenKind::kLBrace:
      return invalid_input("script blocks are not supported: " + quote(t) + " at " + col(t.offset));
    default:
      return unexpected(t);
  }
}

Status Parser::append_strings(const Value& v, const Token& at,
                              std::vector<std::string>* out) const {
  if (!v.is(Value::Kind::kString) && !v.is(Value::Kind::kNumber) && !v.is(Value::Kind::kList)) {
    return invalid_input(std::string(v.describe()) + " cannot be a list element: " + quote(at) +
                         " at " + col(at.offset));
  }
  for (auto& s : v.strings()) out->push_back(std::move(s));
  return ok_status();
}

Result<Value> Parser::parse_primary(const Token& t) {
  switch (t.kind) {
    case TokenKind::kWord: {
      std::int64_t n = 0;
      if (!t.quoted && parse_integer(t.text, &n)) return Value::make_number(n, t.text);
      return Value::make_string(t.text);
    }
    case TokenKind::kVariable:
      if (iequals(t.text, "true")) return Value::make_bool(true);
      if (iequals(t.text, "false")) return Value::make_bool(false);
      if (iequals(t.text, "null")) return Value::make_null();
      return invalid_input("variables are not supported: " + quote(t) + " at " + col(t.offset) +
                           " (only $true, $false and $null)");
    case TokenKind::kAtBrace:
      return parse_hashtable(t);
    case TokenKind::kAtParen:
      return parse_array(t);
    default:
      return unexpected(t, "a value");
  }
}

Result<Value> Parser::parse_value(const Token& first) {
  Result<Value> v = parse_primary(first);
  if (!v) return v;
  Result<Token> next = lx_.peek();
  if (!next) return next.error();
  if (next->kind != TokenKind::kComma) return v;
  std::vector<std::string> items;
  if (Status s = append_strings(*v, first, &items); !s) return s.error();
  while (next && next->kind == TokenKind::kComma) {
    const Token comma = *lx_.next();
    Result<Token> t = lx_.next();
    if (!t) return t.error();
    if (t->kind != TokenKind::kWord && t->kind != TokenKind::kVariable &&
        t->kind != TokenKind::kAtParen && t->kind != TokenKind::kAtBrace) {
      return invalid_input("missing list element after ',' at " + col(comma.offset));
    }
    Result<Value> item = parse_primary(*t);
    if (!item) return item;
    if (Status s = append_strings(*item, *t, &items); !s) return s.error();
    next = lx_.peek();
  }
  if (!next) return next.error();
  return Value::make_list(std::move(items));
}

Result<Value> Parser::parse_array(const Token& open) {
  std::vector<std::string> items;
  while (true) {
    Result<Token> t = lx_.next();
    if (!t) return t.error();
    if (t->kind == TokenKind::kRParen) break;
    if (t->kind == TokenKind::kSemicolon) continue;
    if (t->kind == TokenKind::kEnd) {
      return invalid_input("missing ')' for '@(' at " + col(open.offset));
    }
    Result<Value> v = parse_value(*t);
    if (!v) return v;
    if (Status s = append_strings(*v, *t, &items); !s) return s.error();
    Result<Token> sep = lx_.peek();
    if (!sep) return sep.error();
    if (sep->kind != TokenKind::kRParen && sep->kind != TokenKind::kSemicolon &&
        sep->kind != TokenKind::kEnd) {
      return unexpected(*sep, "',' or ')'");
    }
  }
  return Value::make_list(std::move(items));
}

Result<Value> Parser::parse_hashtable(const Token& open) {
  Hashtable h;
  while (true) {
    Result<Token> key = lx_.next(LexMode::kHashKey);
    if (!key) return key.error();
    if (key->kind == TokenKind::kRBrace) break;
    if (key->kind == TokenKind::kSemicolon) continue;
    if (key->kind == TokenKind::kEnd) {
      return invalid_input("missing '}' for '@{' at " + col(open.offset));
    }
    if (key->kind != TokenKind::kWord) return unexpected(*key, "Add, Remove or Replace");
    std::optional<std::vector<std::string>>* slot = nullptr;
    if (iequals(key->text, "add")) slot = &h.add;
    if (iequals(key->text, "remove")) slot = &h.remove;
    if (iequals(key->text, "replace")) slot = &h.replace;
    if (slot == nullptr) {
      return invalid_input("unknown hashtable key " + quote(*key) + " at " + col(key->offset) +
                           " (expected Add, Remove or Replace)");
    }
    if (slot->has_value()) {
      return invalid_input("duplicate hashtable key " + quote(*key) + " at " + col(key->offset));
    }
    Result<Token> eq = lx_.next(LexMode::kHashKey);
    if (!eq) return eq.error();
    if (eq->kind != TokenKind::kEquals) {
      return unexpected(*eq, "'=' after " + quote(*key));
    }
    Result<Token> first = lx_.next();
    if (!first) return first.error();
    if (first->kind == TokenKind::kEnd || first->kind == TokenKind::kSemicolon ||
        first->kind == TokenKind::kRBrace) {
      return invalid_input("missing value after " + quote(*key) + "= at " + col(eq->offset));
    }
    Result<Value> v = parse_value(*first);
    if (!v) return v;
    std::vector<std::string> items;
    if (Status s = append_strings(*v, *first, &items); !s) return s.error();
    *slot = std::move(items);
    Result<Token> sep = lx_.peek(LexMode::kHashKey);
    if (!sep) return sep.error();
    if (sep->kind == TokenKind::kEnd) {
      return invalid_input("missing '}' for '@{' at " + col(open.offset));
    }
    if (sep->kind != TokenKind::kSemicolon && sep->kind != TokenKind::kRBrace) {
      return unexpected(*sep, "';' or '}'");
    }
  }
  return Value::make_hashtable(std::move(h));
}

bool starts_value(TokenKind kind) {
  return kind == TokenKind::kWord || kind == TokenKind::kVariable || kind == TokenKind::kAtBrace ||
         kind == TokenKind::kAtParen;
}

Result<CmdletCall> Parser::run() {
  if (lx_.line().size() > kMaxCmdletLineBytes) {
    return invalid_input("line too long: " + std::to_string(lx_.line().size()) +
                         " bytes (at most " + std::to_string(kMaxCmdletLineBytes) + ")");
  }
  Result<Token> name = lx_.next();
  if (!name) return name.error();
  if (name->kind == TokenKind::kEnd) return invalid_input("empty command");
  if (name->kind != TokenKind::kWord) return top_level_error(*name);
  CmdletCall call;
  call.name_lower = name->quoted ? "" : cmdlet_name_lower(name->text);
  if (call.name_lower.empty()) {
    return invalid_input("expected a cmdlet name (Verb-Noun, e.g. Set-CsPersistentChatState) at " +
                         col(name->offset) + ", got " + quote(*name));
  }
  call.verb_noun = name->text;
  while (true) {
    Result<Token> t = lx_.next();
    if (!t) return t.error();
    if (t->kind == TokenKind::kEnd) break;
    Param p;
    p.position = lx_.column(t->offset);
    if (t->kind == TokenKind::kParameter) {
      p.name = t->text;
      p.colon = t->colon;
      Result<Token> v = lx_.peek();
      if (!v) return v.error();
      if (p.colon && !starts_value(v->kind)) {
        return invalid_input("missing value after " + quote(*t) + " at " + col(t->offset));
      }
      if (starts_value(v->kind)) {
        const Token value_token = *lx_.next();
        p.value_position = lx_.column(value_token.offset);
        Result<Value> value = parse_value(value_token);
        if (!value) return value.error();
        p.value = std::move(*value);
      }
    } else if (starts_value(t->kind)) {
      p.value_position = p.position;
      Result<Value> value = parse_value(*t);
      if (!value) return value.error();
      p.value = std::move(*value);
    } else {
      return top_level_error(*t);
    }
    call.params.push_back(std::move(p));
  }
  return call;
}

}  // namespace

const Param* CmdletCall::find(std::string_view name) const {
  for (const Param& p : params) {
    if (!p.name.empty() && iequals(p.name, name)) return &p;
  }
  return nullptr;
}

Result<CmdletCall> parse_cmdlet(std::string_view line) {
  return Parser(line).run();
}

std::vector<std::string> split_cmdlet_lines(std::string_view script) {
  if (script.substr(0, 3) == "\xEF\xBB\xBF") script.remove_prefix(3);
  auto is_blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
  };
  auto trim = [&](std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
  };
  std::vector<std::string> lines;
  std::string current;
  bool continuing = false;
  std::size_t start = 0;
  while (start <= script.size()) {
    std::size_t end = script.find('\n', start);
    if (end == std::string_view::npos) end = script.size();
    std::string_view line = trim(script.substr(start, end - start));
    start = end + 1;
    if (!continuing && (line.empty() || line.front() == '#')) continue;
    std::size_t ticks = 0;
    while (ticks < line.size() && line[line.size() - 1 - ticks] == '`') ++ticks;
    const bool continues = ticks % 2 == 1;
    if (continues) line.remove_suffix(1);
    if (continuing && !current.empty() && !line.empty()) current.push_back(' ');
    current.append(trim(line));
    continuing = continues;
    if (!continuing && !current.empty()) {
      lines.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) lines.push_back(std::string(trim(current)));
  return lines;
}

}  // namespace pchat::ctl::cmdlet
