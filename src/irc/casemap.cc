#include "irc/casemap.h"

#include "irc/utf8.h"

namespace pchat::irc {

namespace {

constexpr char fold_char(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

constexpr bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 2812: special = %x5B-60 / %x7B-7D  ; "[", "]", "\", "`", "_", "^", "{", "|", "}"
constexpr bool is_special(char c) {
  return (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7D);
}

bool is_nick_like(std::string_view s, std::size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  if (!is_letter(s[0]) && !is_special(s[0])) return false;
  for (char c : s.substr(1)) {
    if (!is_letter(c) && !is_digit(c) && !is_special(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold_char(c);
  return out;
}

bool equal_folded(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold_char(a[i]) != fold_char(b[i])) return false;
  }
  return true;
}

bool is_valid_nick(std::string_view nick) {
  return is_nick_like(nick, kNickLen);
}

bool is_valid_account_name(std::string_view name) {
  return is_nick_like(name, kAccountLen);
}

bool is_valid_channel_name(std::string_view name) {
  if (name.size() < 2 || name.size() > kChannelLen || name[0] != '#') return false;
  for (char c : name) {
    switch (c) {
      case ' ':
      case ',':
      case '\x07':
      case '\0':
      case '\r':
      case '\n':
        return false;
      default:
        break;
    }
  }
  return is_valid_utf8(name);
}

bool glob_match(std::string_view pat, std::string_view str) {
  size_t p = 0, s = 0, star = std::string_view::npos, mark = 0;
  while (s < str.size()) {
    if (p < pat.size() && (pat[p] == '?' || pat[p] == str[s])) {
      ++p;
      ++s;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

}  // namespace pchat::irc
