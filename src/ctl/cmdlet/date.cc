#include "ctl/cmdlet/date.h"

#include <optional>
#include <string>

#include "core/time.h"
#include "ctl/cmdlet/text.h"

namespace pchat::ctl::cmdlet {

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  // Reads min..max decimal digits into *out.
  bool digits(std::size_t min, std::size_t max, int* out) {
    std::size_t n = 0;
    int value = 0;
    while (n < max && !done() && peek() >= '0' && peek() <= '9') {
      value = value * 10 + (s_[pos_] - '0');
      ++pos_;
      ++n;
    }
    *out = value;
    return n >= min;
  }
  void skip_blanks() {
    while (peek() == ' ' || peek() == '\t') ++pos_;
  }
  std::string_view rest() const { return s_.substr(pos_); }
  void advance(std::size_t n) { pos_ += n; }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

struct Fields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int offset_seconds = 0;  // east of UTC
};

bool parse_time(Cursor* c, Fields* f) {
  if (!c->digits(1, 2, &f->hour) || !c->eat(':') || !c->digits(2, 2, &f->minute)) return false;
  if (c->eat(':')) {
    if (!c->digits(2, 2, &f->second)) return false;
    if (c->eat('.') || c->eat(',')) {
      int ignored = 0;
      if (!c->digits(1, 9, &ignored)) return false;
    }
  }
  return true;
}

bool parse_iso(Cursor* c, Fields* f) {
  if (!c->digits(4, 4, &f->year) || !c->eat('-') || !c->digits(2, 2, &f->month) || !c->eat('-') ||
      !c->digits(2, 2, &f->day)) {
    return false;
  }
  if (c->done()) return true;
  if (!c->eat('T') && !c->eat('t') && !c->eat(' ')) return false;
  if (!parse_time(c, f)) return false;
  if (c->eat('Z') || c->eat('z')) return c->done();
  const char sign = c->peek();
  if (sign == '+' || sign == '-') {
    c->advance(1);
    int oh = 0;
    int om = 0;
    if (!c->digits(2, 2, &oh)) return false;
    c->eat(':');
    if (!c->digits(2, 2, &om) || oh > 23 || om > 59) return false;
    f->offset_seconds = (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  }
  return c->done();
}

bool parse_us(Cursor* c, Fields* f) {
  if (!c->digits(1, 2, &f->month) || !c->eat('/') || !c->digits(1, 2, &f->day) || !c->eat('/') ||
      !c->digits(4, 4, &f->year)) {
    return false;
  }
  c->skip_blanks();
  if (c->done()) return true;
  if (!parse_time(c, f)) return false;
  c->skip_blanks();
  if (c->done()) return f->hour <= 23;
  const std::string_view rest = c->rest();
  if (rest.size() != 2 || (!iequals(rest, "AM") && !iequals(rest, "PM"))) return false;
  if (f->hour < 1 || f->hour > 12) return false;
  f->hour = f->hour % 12 + (iequals(rest, "PM") ? 12 : 0);
  c->advance(2);
  return true;
}

}  // namespace

Result<std::int64_t> parse_date(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  Fields f;
  bool ok = false;
  if (s.find('/') != std::string_view::npos) {
    Cursor c(s);
    ok = parse_us(&c, &f);
  } else {
    Cursor c(s);
    ok = parse_iso(&c, &f);
  }
  std::optional<std::int64_t> days;
  if (ok && f.month >= 1 && f.day >= 1) {
    days =
        time::days_from_civil(f.year, static_cast<unsigned>(f.month), static_cast<unsigned>(f.day));
  }
  if (!days || f.hour > 23 || f.minute > 59 || f.second > 59) {
    return make_error(ErrorKind::kInvalidInput,
                      "'" + excerpt(text) +
                          "' is not a date (expected yyyy-mm-dd[Thh:mm[:ss]][Z|+hh:mm] or "
                          "M/d/yyyy [h:mm[:ss] AM|PM])");
  }
  return *days * 86400 + f.hour * 3600 + f.minute * 60 + f.second - f.offset_seconds;
}

}  // namespace pchat::ctl::cmdlet
