#include "ctl/cmdlet/value.h"

#include <cassert>
#include <utility>

namespace pchat::ctl::cmdlet {

Value Value::make_null() {
  Value v;
  v.v_.emplace<Null>();
  return v;
}

Value Value::make_bool(bool b) {
  Value v;
  v.v_.emplace<bool>(b);
  return v;
}

Value Value::make_string(std::string s) {
  Value v;
  v.v_.emplace<std::string>(std::move(s));
  return v;
}

Value Value::make_number(std::int64_t n, std::string text) {
  Value v;
  v.v_.emplace<Number>(Number{n, std::move(text)});
  return v;
}

Value Value::make_list(std::vector<std::string> items) {
  Value v;
  v.v_.emplace<std::vector<std::string>>(std::move(items));
  return v;
}

Value Value::make_hashtable(Hashtable h) {
  Value v;
  v.v_.emplace<Hashtable>(std::move(h));
  return v;
}

bool Value::boolean() const {
  assert(is(Kind::kBool));
  return std::get<bool>(v_);
}

const std::string& Value::text() const {
  assert(is(Kind::kString) || is(Kind::kNumber));
  if (const auto* n = std::get_if<Number>(&v_)) return n->text;
  return std::get<std::string>(v_);
}

std::int64_t Value::number() const {
  assert(is(Kind::kNumber));
  return std::get<Number>(v_).value;
}

const std::vector<std::string>& Value::list() const {
  assert(is(Kind::kList));
  return std::get<std::vector<std::string>>(v_);
}

const Hashtable& Value::hashtable() const {
  assert(is(Kind::kHashtable));
  return std::get<Hashtable>(v_);
}

std::vector<std::string> Value::strings() const {
  switch (kind()) {
    case Kind::kString:
    case Kind::kNumber:
      return {text()};
    case Kind::kList:
      return list();
    default:
      return {};
  }
}

const char* Value::describe() const {
  switch (kind()) {
    case Kind::kSwitch:
      return "nothing";
    case Kind::kNull:
      return "$null";
    case Kind::kBool:
      return boolean() ? "$true" : "$false";
    case Kind::kString:
      return "a string";
    case Kind::kNumber:
      return "a number";
    case Kind::kList:
      return "a list";
    case Kind::kHashtable:
      return "a hashtable";
  }
  return "a value";
}

}  // namespace pchat::ctl::cmdlet
