// Recogniser for Lync's SQL statements (sql.h). Two steps: a tokenizer with
// T-SQL's quoting rules ([ident], "ident", 'string', N'string', -- and /* */
// comments), then a matcher per statement form over the token list.
#include "ctl/cmdlet/sql.h"

#include <algorithm>
#include <utility>

#include "ctl/cmdlet/text.h"

namespace pchat::ctl::cmdlet {

namespace {

constexpr std::string_view kSupported =
    "exec sp_delete_log_shipping_secondary_database <database>; exec sp_who2 ['active']; "
    "kill <spid>; restore database <database> with recovery; use <database>; GO";

constexpr std::string_view kDeleteProc = "sp_delete_log_shipping_secondary_database";
constexpr std::string_view kWhoProc = "sp_who2";

enum class Tok {
  kEnd,
  kIdent,     // bare, [bracketed] or "quoted"; text unquoted
  kString,    // 'text' or N'text'; text unquoted
  kNumber,    // decimal digits
  kVariable,  // @name (text without '@')
  kPunct,     // any other single character (text: its bytes)
};

struct SqlToken {
  Tok kind = Tok::kEnd;
  std::string text;
  bool delimited = false;  // kIdent written [x] or "x"
  std::size_t offset = 0;
  std::size_t end = 0;
  int line = 1;
  int column = 1;
};

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '#';
}

bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9') || c == '@' || c == '$';
}

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : text_(text) {}

  Result<std::vector<SqlToken>> run() {
    std::vector<SqlToken> tokens;
    while (true) {
      skip_space();
      if (!error_.empty()) return invalid_input(error_);
      SqlToken t;
      t.offset = pos_;
      t.line = line_;
      t.column = column_of(pos_);
      if (pos_ >= text_.size()) {
        t.end = pos_;
        tokens.push_back(std::move(t));
        return tokens;
      }
      if (Status s = read(&t); !s) return s.error();
      t.end = pos_;
      tokens.push_back(std::move(t));
    }
  }

 private:
  std::string where(int line, int column) const {
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
  }

  // Column of `pos` on the current line, walking on from the last answer so that a
  // long line costs linear time.
  int column_of(std::size_t pos) {
    if (cache_line_start_ != line_start_ || pos < cache_pos_) {
      cache_line_start_ = line_start_;
      cache_pos_ = line_start_;
      cache_column_ = 1;
    }
    while (cache_pos_ < pos && cache_pos_ < text_.size()) {
      char32_t cp = 0;
      cache_pos_ += decode_utf8(text_, cache_pos_, &cp);
      ++cache_column_;
    }
    return cache_column_;
  }

  void newline_at(std::size_t pos) {
    ++line_;
    line_start_ = pos + 1;
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      char32_t cp = 0;
      const std::size_t len = decode_utf8(text_, pos_, &cp);
      if (cp == U'\n') {
        newline_at(pos_);
        pos_ += 1;
      } else if (is_space(cp)) {
        pos_ += len;
      } else if (text_.substr(pos_, 2) == "--") {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.substr(pos_, 2) == "/*") {
        const int line = line_;
        const int column = column_of(pos_);
        const std::size_t close = text_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) {
          error_ = "unterminated comment '/*' at " + where(line, column);
          return;
        }
        for (std::size_t i = pos_; i < close; ++i) {
          if (text_[i] == '\n') newline_at(i);
        }
        pos_ = close + 2;
      } else {
        return;
      }
    }
  }

  // Reads up to the closing `close` character; a doubled one stands for itself.
  Status read_delimited(char close, const SqlToken& t, std::string* out) {
    ++pos_;  // the opening character
    while (true) {
      if (pos_ >= text_.size()) {
        return invalid_input("unterminated " +
                             std::string(close == '\'' ? "string" : "identifier") +
                             " starting at " + where(t.line, t.column));
      }
      const char c = text_[pos_];
      if (c == close) {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == close) {
          out->push_back(close);
          pos_ += 2;
          continue;
        }
        ++pos_;
        return ok_status();
      }
      if (c == '\n') newline_at(pos_);
      out->push_back(c);
      ++pos_;
    }
  }

  Status read(SqlToken* t) {
    const char c = text_[pos_];
    if ((c == 'N' || c == 'n') && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\'') {
      t->kind = Tok::kString;
      ++pos_;
      return read_delimited('\'', *t, &t->text);
    }
    if (c == '\'') {
      t->kind = Tok::kString;
      return read_delimited('\'', *t, &t->text);
    }
    if (c == '[' || c == '"') {
      t->kind = Tok::kIdent;
      t->delimited = true;
      return read_delimited(c == '[' ? ']' : '"', *t, &t->text);
    }
    if (c >= '0' && c <= '9') {
      t->kind = Tok::kNumber;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
        t->text += text_[pos_++];
      return ok_status();
    }
    if (is_ident_start(c) ||
        (c == '@' && pos_ + 1 < text_.size() && is_ident_start(text_[pos_ + 1]))) {
      t->kind = c == '@' ? Tok::kVariable : Tok::kIdent;
      if (c == '@') ++pos_;
      while (pos_ < text_.size() && is_ident_char(text_[pos_])) t->text += text_[pos_++];
      return ok_status();
    }
    char32_t cp = 0;
    const std::size_t len = decode_utf8(text_, pos_, &cp);
    t->kind = Tok::kPunct;
    t->text = std::string(text_.substr(pos_, len));
    pos_ += len;
    return ok_status();
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
  std::string error_;
  std::size_t cache_line_start_ = 0;
  std::size_t cache_pos_ = 0;
  int cache_column_ = 1;
};

class Matcher {
 public:
  Matcher(std::string_view text, std::vector<SqlToken> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  Result<std::vector<SqlStatement>> run();

 private:
  const SqlToken& tok(std::size_t i) const { return tokens_[std::min(i, tokens_.size() - 1)]; }
  // True if token i continues the statement whose last token is i - 1.
  bool continues(std::size_t i) const {
    const SqlToken& t = tok(i);
    return t.kind != Tok::kEnd && t.line == tok(i - 1).line &&
           !(t.kind == Tok::kPunct && t.text == ";");
  }
  bool is_word(std::size_t i, std::string_view word) const {
    return tok(i).kind == Tok::kIdent && !tok(i).delimited && iequals(tok(i).text, word);
  }
  bool is_punct(std::size_t i, std::string_view p) const {
    return tok(i).kind == Tok::kPunct && tok(i).text == p;
  }
  std::string where(std::size_t i) const {
    return "line " + std::to_string(tok(i).line) + ", column " + std::to_string(tok(i).column);
  }
  std::string quote(std::size_t i) const {
    const SqlToken& t = tok(i);
    if (t.kind == Tok::kEnd) return "end of text";
    return "'" + excerpt(text_.substr(t.offset, t.end - t.offset)) + "'";
  }
  // The statement starting at token `start`, as typed: up to ';' or the line's end.
  std::string statement_text(std::size_t start) const {
    std::size_t last = start;
    while (continues(last + 1)) ++last;
    return excerpt(text_.substr(tok(start).offset, tok(last).end - tok(start).offset), 120);
  }
  Error not_supported(std::size_t start, std::string_view hint = "") const {
    std::string message = "not supported: " + statement_text(start);
    if (!hint.empty()) message += " (" + std::string(hint) + ")";
    message += ". Supported statements: " + std::string(kSupported);
    return invalid_input(std::move(message));
  }

  // A database name: identifier or string. Advances *i past it.
  bool database_at(std::size_t* i, std::string* out) const {
    const SqlToken& t = tok(*i);
    if ((t.kind != Tok::kIdent && t.kind != Tok::kString) || t.text.empty()) return false;
    *out = t.text;
    ++*i;
    return true;
  }

  Result<std::size_t> match(std::size_t i, SqlStatement* st);
  Result<std::size_t> match_kill(std::size_t i, SqlStatement* st);
  Result<std::size_t> match_exec(std::size_t start, std::size_t i, SqlStatement* st);
  Result<std::size_t> match_delete_args(std::size_t i, SqlStatement* st);
  Result<std::size_t> match_who_args(std::size_t i, SqlStatement* st);

  std::string_view text_;
  std::vector<SqlToken> tokens_;
};

Result<std::size_t> Matcher::match_kill(std::size_t i, SqlStatement* st) {
  st->kind = SqlStatement::kKill;
  const std::string usage =
      "kill needs a session id: run exec sp_who2 and take a number from its SPID column, "
      "e.g. kill 53";
  if (!continues(i)) return invalid_input(usage + " (at " + where(i) + ")");
  const SqlToken& t = tok(i);
  if (t.kind == Tok::kNumber) {
    const std::string digits =
        t.text.substr(std::min(t.text.find_first_not_of('0'), t.text.size()));
    if (digits.empty() || digits.size() > 10 || std::stoll(digits) > 2147483647) {
      return invalid_input("kill: session id " + quote(i) + " at " + where(i) +
                           " is out of range (1 to 2147483647)");
    }
    st->spid = std::stoll(digits);
    return i + 1;
  }
  if (is_punct(i, "<")) {
    return invalid_input(usage + "; '<spid>' at " + where(i) + " is a placeholder");
  }
  if (is_punct(i, "-")) {
    return invalid_input("kill: session id at " + where(i) + " must be a positive integer");
  }
  return invalid_input(usage + "; got " + quote(i) + " at " + where(i));
}

Result<std::size_t> Matcher::match_delete_args(std::size_t i, SqlStatement* st) {
  const std::string usage =
      "needs the secondary database, e.g. exec sp_delete_log_shipping_secondary_database mgc";
  if (!continues(i)) return invalid_input(std::string(kDeleteProc) + " " + usage);
  if (tok(i).kind == Tok::kVariable) {
    if (!iequals(tok(i).text, "secondary_database")) {
      return invalid_input("unknown parameter " + quote(i) + " at " + where(i) + " for " +
                           std::string(kDeleteProc) + " (expected @secondary_database)");
    }
    if (!continues(i + 1) || !is_punct(i + 1, "=")) {
      return invalid_input("expected '=' after @secondary_database at " + where(i + 1));
    }
    i += 2;
  }
  if (!continues(i) || !database_at(&i, &st->database)) {
    return invalid_input(std::string(kDeleteProc) + " " + usage + "; got " + quote(i) + " at " +
                         where(i));
  }
  return i;
}

Result<std::size_t> Matcher::match_who_args(std::size_t i, SqlStatement* st) {
  if (!continues(i)) return i;
  if (tok(i).kind == Tok::kVariable) {
    if (!iequals(tok(i).text, "loginame") || !continues(i + 1) || !is_punct(i + 1, "=")) {
      return invalid_input("sp_who2 takes only 'active' or a session id; got " + quote(i) + " at " +
                           where(i));
    }
    i += 2;
  }
  const SqlToken& t = tok(i);
  if ((t.kind == Tok::kString || t.kind == Tok::kIdent) && iequals(t.text, "active")) {
    st->active_only = true;
    return i + 1;
  }
  if (t.kind == Tok::kNumber && t.text.size() <= 10 && std::stoll(t.text) >= 1 &&
      std::stoll(t.text) <= 2147483647) {
    st->spid = std::stoll(t.text);
    return i + 1;
  }
  return invalid_input("sp_who2 takes only 'active' or a session id; got " + quote(i) + " at " +
                       where(i));
}

Result<std::size_t> Matcher::match_exec(std::size_t start, std::size_t i, SqlStatement* st) {
  // [db] '.' [schema] '.' proc, any part possibly empty before the last.
  if (tok(i).kind != Tok::kIdent) return not_supported(start);
  std::size_t name = i++;
  while (continues(i) && is_punct(i, ".")) {
    ++i;
    if (continues(i) && tok(i).kind == Tok::kIdent) name = i++;
  }
  if (tok(name).kind != Tok::kIdent || name + 1 != i) return not_supported(start);
  if (iequals(tok(name).text, kDeleteProc)) {
    st->kind = SqlStatement::kRemoveLogShippingSecondary;
    return match_delete_args(i, st);
  }
  if (iequals(tok(name).text, kWhoProc)) {
    st->kind = SqlStatement::kWho;
    return match_who_args(i, st);
  }
  return not_supported(start);
}

Result<std::size_t> Matcher::match(std::size_t i, SqlStatement* st) {
  const std::size_t start = i;
  st->line = tok(i).line;
  if (is_word(i, "use")) {
    st->kind = SqlStatement::kUse;
    ++i;
    if (!continues(i) || !database_at(&i, &st->database)) {
      return invalid_input("use needs a database name, e.g. use master (at " + where(i) + ")");
    }
    return i;
  }
  if (is_word(i, "kill")) return match_kill(i + 1, st);
  if (is_word(i, "restore")) {
    if (!continues(i + 1) || !is_word(i + 1, "database")) return not_supported(start);
    std::size_t j = i + 2;
    std::string database;
    if (!continues(j) || !database_at(&j, &database)) return not_supported(start);
    if (!continues(j) || !is_word(j, "with")) {
      return not_supported(start, "only restore database <database> with recovery");
    }
    if (!continues(j + 1) || !is_word(j + 1, "recovery")) {
      return not_supported(start, "only WITH RECOVERY, which brings the database online");
    }
    st->kind = SqlStatement::kRestoreWithRecovery;
    st->database = std::move(database);
    return j + 2;
  }
  if (is_word(i, "exec") || is_word(i, "execute")) {
    if (!continues(i + 1)) return not_supported(start);
    return match_exec(start, i + 1, st);
  }
  if (tok(i).kind == Tok::kIdent && !tok(i).delimited) return match_exec(start, i, st);
  return not_supported(start);
}

Result<std::vector<SqlStatement>> Matcher::run() {
  std::vector<SqlStatement> out;
  std::size_t i = 0;
  while (tok(i).kind != Tok::kEnd) {
    if (is_punct(i, ";")) {
      ++i;
      continue;
    }
    if (is_word(i, "go")) {
      if (i > 0 && tok(i - 1).line == tok(i).line && !is_punct(i - 1, ";")) {
        return invalid_input("GO must be alone on its line (at " + where(i) + ")");
      }
      if (continues(i + 1)) {
        return invalid_input("GO must be alone on its line (at " + where(i + 1) + ")");
      }
      ++i;
      continue;
    }
    SqlStatement st;
    Result<std::size_t> end = match(i, &st);
    if (!end) return end.error();
    if (continues(*end)) {
      return invalid_input(
          "unexpected " + quote(*end) + " at " + where(*end) + " after " +
          excerpt(text_.substr(tok(i).offset, tok(*end - 1).end - tok(i).offset), 120) +
          " (one statement per line, or separate them with ';')");
    }
    out.push_back(std::move(st));
    i = *end;
  }
  return out;
}

}  // namespace

std::string_view supported_sql_statements() {
  return kSupported;
}

Result<std::vector<SqlStatement>> parse_sql(std::string_view text) {
  if (text.size() > kMaxSqlBytes) {
    return invalid_input("SQL text too long: " + std::to_string(text.size()) + " bytes (at most " +
                         std::to_string(kMaxSqlBytes) + ")");
  }
  Result<std::vector<SqlToken>> tokens = Tokenizer(text).run();
  if (!tokens) return tokens.error();
  return Matcher(text, std::move(*tokens)).run();
}

Result<SqlStatement> parse_sql_statement(std::string_view text) {
  Result<std::vector<SqlStatement>> all = parse_sql(text);
  if (!all) return all.error();
  if (all->size() != 1) {
    return invalid_input("expected one statement, got " + std::to_string(all->size()) +
                         ". Supported statements: " + std::string(kSupported));
  }
  return std::move(all->front());
}

}  // namespace pchat::ctl::cmdlet
