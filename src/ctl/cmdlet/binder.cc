#include "ctl/cmdlet/binder.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

#include "ctl/cmdlet/date.h"
#include "ctl/cmdlet/text.h"

namespace pchat::ctl::cmdlet {

namespace {

const ParamSpec kCommon[] = {
    {"Confirm", ParamKind::kSwitch},
    {"Debug", ParamKind::kSwitch},
    {"Verbose", ParamKind::kSwitch},
    {"WhatIf", ParamKind::kSwitch},
};

// The spec's parameters, then the common ones it does not redeclare.
std::vector<const ParamSpec*> candidates(const CmdletSpec& spec) {
  std::vector<const ParamSpec*> out;
  for (const ParamSpec& p : spec.params) out.push_back(&p);
  for (const ParamSpec& c : kCommon) {
    const bool declared = std::any_of(spec.params.begin(), spec.params.end(),
                                      [&](const ParamSpec& p) { return iequals(p.name, c.name); });
    if (!declared) out.push_back(&c);
  }
  return out;
}

std::string dashed_list(const std::vector<const ParamSpec*>& specs, std::string_view last_sep) {
  std::string out;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (i > 0) out += i + 1 == specs.size() ? last_sep : ", ";
    out += "-" + specs[i]->name;
  }
  return out;
}

// A value for messages: the text of strings, else its description.
std::string show(const Value& v) {
  if (v.is(Value::Kind::kString) || v.is(Value::Kind::kNumber))
    return "'" + excerpt(v.text()) + "'";
  return v.describe();
}

std::string where(const ParamSpec& spec, const Param& p) {
  return "parameter -" + spec.name + " at column " + std::to_string(p.position);
}

Result<Value> convert(const ParamSpec& spec, const Param& p, const Value& v) {
  using K = Value::Kind;
  if (v.is(K::kSwitch) && spec.kind != ParamKind::kSwitch) {
    return invalid_input("missing an argument for " + where(spec, p) + " (expects " +
                         describe(spec.kind) + ")");
  }
  auto wrong = [&]() -> Error {
    return invalid_input(where(spec, p) + " expects " + describe(spec.kind) + ", got " + show(v));
  };
  const bool zero_or_one = v.is(K::kNumber) && (v.number() == 0 || v.number() == 1);
  switch (spec.kind) {
    case ParamKind::kSwitch:
      if (v.is(K::kSwitch)) return Value::make_bool(true);
      if (v.is(K::kBool)) return v;
      if (zero_or_one) return Value::make_bool(v.number() == 1);
      return invalid_input(where(spec, p) + " is a switch: write -" + spec.name + " or -" +
                           spec.name + ":$false, not " + show(v));
    case ParamKind::kBool:
      if (v.is(K::kBool)) return v;
      if (zero_or_one) return Value::make_bool(v.number() == 1);
      return wrong();
    case ParamKind::kString:
      if (v.is(K::kString) || v.is(K::kNumber)) return Value::make_string(v.text());
      return wrong();
    case ParamKind::kList:
      if (v.is(K::kString) || v.is(K::kNumber) || v.is(K::kList))
        return Value::make_list(v.strings());
      return wrong();
    case ParamKind::kHashtable:
      if (v.is(K::kHashtable)) return v;
      return wrong();
    case ParamKind::kStringOrHashtableOrNull:
      if (v.is(K::kString) || v.is(K::kNumber)) return Value::make_string(v.text());
      if (v.is(K::kList) || v.is(K::kHashtable) || v.is(K::kNull)) return v;
      return wrong();
    case ParamKind::kDate: {
      if (!v.is(K::kString)) return wrong();
      Result<std::int64_t> t = parse_date(v.text());
      if (!t) return invalid_input(where(spec, p) + ": " + t.error().message);
      return v;
    }
    case ParamKind::kInt: {
      if (v.is(K::kNumber)) return v;
      if (!v.is(K::kString)) return wrong();
      const std::string& s = v.text();
      std::int64_t n = 0;
      const char* first = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
      const auto [end, ec] = std::from_chars(first, s.data() + s.size(), n);
      if (ec != std::errc() || end != s.data() + s.size() || first == end) return wrong();
      return Value::make_number(n, s);
    }
  }
  return wrong();
}

}  // namespace

const char* describe(ParamKind kind) {
  switch (kind) {
    case ParamKind::kString:
      return "a string";
    case ParamKind::kSwitch:
      return "no value (a switch)";
    case ParamKind::kBool:
      return "$true or $false";
    case ParamKind::kList:
      return "a string or a list";
    case ParamKind::kHashtable:
      return "a hashtable @{Add=...; Remove=...; Replace=...}";
    case ParamKind::kStringOrHashtableOrNull:
      return "a string, a list, a hashtable @{Add=...; Remove=...} or $null";
    case ParamKind::kDate:
      return "a date";
    case ParamKind::kInt:
      return "an integer";
  }
  return "a value";
}

std::span<const ParamSpec> common_parameters() {
  return kCommon;
}

const BoundParam* BoundCall::find(std::string_view name) const {
  for (const BoundParam& p : params) {
    if (iequals(p.name, name)) return &p;
  }
  return nullptr;
}

bool BoundCall::is_set(std::string_view name) const {
  const BoundParam* p = find(name);
  return p != nullptr && p->value.is(Value::Kind::kBool) && p->value.boolean();
}

std::string BoundCall::string_or(std::string_view name, std::string_view fallback) const {
  const BoundParam* p = find(name);
  if (p == nullptr || !p->value.is(Value::Kind::kString)) return std::string(fallback);
  return p->value.text();
}

Result<const ParamSpec*> match_parameter(const CmdletSpec& spec, std::string_view typed,
                                         int column) {
  const std::vector<const ParamSpec*> all = candidates(spec);
  std::vector<const ParamSpec*> prefixed;
  for (const ParamSpec* p : all) {
    if (iequals(p->name, typed)) return p;
    if (istarts_with(p->name, typed)) prefixed.push_back(p);
  }
  const std::string at = "-" + excerpt(typed) + " at column " + std::to_string(column);
  if (prefixed.size() == 1) return prefixed.front();
  if (prefixed.empty()) {
    std::vector<const ParamSpec*> own;
    for (const ParamSpec& p : spec.params) own.push_back(&p);
    std::string valid = own.empty() ? "none of its own" : dashed_list(own, ", ");
    std::vector<const ParamSpec*> common(all.begin() + static_cast<std::ptrdiff_t>(own.size()),
                                         all.end());
    if (!common.empty()) valid += "; common: " + dashed_list(common, ", ");
    return invalid_input(spec.name + ": unknown parameter " + at + "; valid parameters: " + valid);
  }
  return invalid_input(spec.name + ": ambiguous parameter " + at + ": it could be " +
                       dashed_list(prefixed, " or "));
}

Result<BoundCall> bind(const CmdletCall& call, const CmdletSpec& spec) {
  if (!iequals(call.name_lower, to_lower_ascii(spec.name))) {
    return invalid_input("cmdlet '" + excerpt(call.verb_noun) + "' is not " + spec.name);
  }
  BoundCall out;
  out.name = spec.name;
  std::vector<std::pair<const ParamSpec*, int>> seen;  // spec, column where bound
  std::vector<Param> positional;
  for (const Param& p : call.params) {
    if (p.name.empty()) {
      positional.push_back(p);
      continue;
    }
    Result<const ParamSpec*> match = match_parameter(spec, p.name, p.position);
    if (!match) return match.error();
    const ParamSpec& ps = **match;
    for (const auto& [bound, column] : seen) {
      if (bound == &ps) {
        return invalid_input(where(ps, p) + " is given more than once (first at column " +
                             std::to_string(column) + ")");
      }
    }
    Value value = p.value;
    if (ps.kind == ParamKind::kSwitch && !p.colon && !value.is(Value::Kind::kSwitch)) {
      // `-Force Legal`: Legal was never the switch's; it is the next positional value.
      Param rest;
      rest.value = std::move(value);
      rest.position = p.value_position;
      rest.value_position = p.value_position;
      positional.push_back(std::move(rest));
      value = Value();
    }
    Result<Value> converted = convert(ps, p, value);
    if (!converted) return converted.error();
    seen.emplace_back(&ps, p.position);
    out.params.push_back(BoundParam{ps.name, ps.kind, std::move(*converted), p.position});
  }
  std::vector<const ParamSpec*> slots;
  for (const ParamSpec& ps : spec.params) {
    if (ps.position >= 0) slots.push_back(&ps);
  }
  std::stable_sort(slots.begin(), slots.end(), [](const ParamSpec* a, const ParamSpec* b) {
    return a->position < b->position;
  });
  std::size_t next_slot = 0;
  for (const Param& p : positional) {
    auto is_bound = [&](const ParamSpec* ps) {
      return std::any_of(seen.begin(), seen.end(), [&](const auto& s) { return s.first == ps; });
    };
    while (next_slot < slots.size() && is_bound(slots[next_slot])) ++next_slot;
    if (next_slot == slots.size()) {
      return invalid_input(spec.name + ": unexpected value " + show(p.value) + " at column " +
                           std::to_string(p.value_position) +
                           " (no parameter takes it; name the parameter it is for)");
    }
    const ParamSpec& ps = *slots[next_slot];
    Result<Value> converted = convert(ps, p, p.value);
    if (!converted) return converted.error();
    seen.emplace_back(&ps, p.position);
    out.params.push_back(BoundParam{ps.name, ps.kind, std::move(*converted), p.position});
  }
  for (const ParamSpec& ps : spec.params) {
    if (ps.required && out.find(ps.name) == nullptr) {
      return invalid_input(spec.name + ": missing required parameter -" + ps.name + " (" +
                           describe(ps.kind) + ")");
    }
  }
  return out;
}

Result<const CmdletSpec*> find_cmdlet(std::span<const CmdletSpec> specs, const CmdletCall& call) {
  for (const CmdletSpec& spec : specs) {
    if (iequals(spec.name, call.name_lower)) return &spec;
  }
  std::string names;
  for (const CmdletSpec& spec : specs) names += (names.empty() ? "" : ", ") + spec.name;
  return make_error(ErrorKind::kNotFound, "unknown cmdlet '" + excerpt(call.verb_noun) +
                                              "'; supported: " + (names.empty() ? "none" : names));
}

}  // namespace pchat::ctl::cmdlet
