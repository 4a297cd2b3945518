// Value: what a cmdlet parameter was given, as typed on one line (see README.md).
//
// A value is one of: nothing (a switch, `-Force`), $null, $true/$false, a string
// (bare word or quoted), an integer (a bare word of digits, optional sign and KB/MB/GB
// suffix), a list of strings (`a,b`, `"a", "b"`, `@("a","b")`), or a list-modifier
// hashtable `@{Add=...; Remove=...; Replace=...}` (keys case-insensitive, each key at
// most once, each value a list of strings). Values are plain data: copyable, no
// references into the parsed line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pchat::ctl::cmdlet {

// `@{Add=...; Remove=...; Replace=...}`: which keys were given, with their lists.
struct Hashtable {
  std::optional<std::vector<std::string>> add;
  std::optional<std::vector<std::string>> remove;
  std::optional<std::vector<std::string>> replace;

  bool empty() const { return !add && !remove && !replace; }
  friend bool operator==(const Hashtable&, const Hashtable&) = default;
};

class Value {
 public:
  enum class Kind {
    kSwitch,     // no value followed the parameter name
    kNull,       // $null
    kBool,       // $true / $false
    kString,     // a bare word that is not a number, or any quoted text
    kNumber,     // a bare integer; its text is kept too
    kList,       // comma list or @(...), elements stringified
    kHashtable,  // @{Add=...; Remove=...; Replace=...}
  };

  Value() = default;  // a switch
  static Value make_null();
  static Value make_bool(bool b);
  static Value make_string(std::string s);
  static Value make_number(std::int64_t n, std::string text);
  static Value make_list(std::vector<std::string> items);
  static Value make_hashtable(Hashtable h);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is(Kind k) const { return kind() == k; }

  // Accessors. REQUIRES: the matching kind; text() also accepts kNumber (the digits as
  // typed).
  bool boolean() const;
  const std::string& text() const;
  std::int64_t number() const;
  const std::vector<std::string>& list() const;
  const Hashtable& hashtable() const;

  // The strings of a kString, kNumber or kList value ({text} or the list); empty for
  // the other kinds.
  std::vector<std::string> strings() const;

  // For messages: "nothing" (a switch), "$null", "$true", "a string", "a number", "a list",
  // "a hashtable".
  const char* describe() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  struct Switch {
    friend bool operator==(const Switch&, const Switch&) = default;
  };
  struct Null {
    friend bool operator==(const Null&, const Null&) = default;
  };
  struct Number {
    std::int64_t value = 0;
    std::string text;
    friend bool operator==(const Number&, const Number&) = default;
  };
  // Alternative order matches Kind.
  std::variant<Switch, Null, bool, std::string, Number, std::vector<std::string>, Hashtable> v_;
};

}  // namespace pchat::ctl::cmdlet
