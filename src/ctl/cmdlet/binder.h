// Binding a parsed cmdlet call to a declared cmdlet: parameter names resolved the way
// PowerShell does (case-insensitive, any unambiguous prefix), kinds checked, required
// parameters present, no parameter twice. Pure functions, thread-safe.
//
// What a value means (`-PoolState FailedOver` vs `Sideways`) is the caller's to check.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ctl/cmdlet/cmdlet.h"
#include "ctl/cmdlet/value.h"

namespace pchat::ctl::cmdlet {

// What a parameter accepts, and what its bound Value then holds.
enum class ParamKind {
  kString,                   // a string or a bare number -> kString (a number keeps its text)
  kSwitch,                   // nothing, or -Name:$true / -Name:$false -> kBool
  kBool,                     // $true, $false, 0 or 1 -> kBool
  kList,                     // a string, a number or a list -> kList
  kHashtable,                // @{Add=...; Remove=...; Replace=...} -> kHashtable
  kStringOrHashtableOrNull,  // a string (or number) -> kString, a list -> kList,
                             // a hashtable -> kHashtable, $null -> kNull
  kDate,                     // a string parse_date() accepts (date.h) -> kString, as typed
  kInt,                      // an integer, bare or quoted -> kNumber
};

// "a string", "a switch", "$true or $false", ... for messages.
const char* describe(ParamKind kind);

struct ParamSpec {
  std::string name;  // canonical spelling, e.g. "Identity"
  ParamKind kind = ParamKind::kString;
  bool required = false;
  int position = -1;  // >= 0: takes the position-th value given without a name
};

struct CmdletSpec {
  std::string name;  // canonical spelling, e.g. "Set-CsPersistentChatState"
  std::vector<ParamSpec> params;
};

// PowerShell's common switches, accepted by every cmdlet unless its spec declares a
// parameter of the same name: Confirm, Debug, Verbose, WhatIf.
std::span<const ParamSpec> common_parameters();

struct BoundParam {
  std::string name;  // the spec's spelling
  ParamKind kind = ParamKind::kString;
  Value value;       // converted as ParamKind says
  int position = 0;  // column of the parameter (or positional value) in the line
};

struct BoundCall {
  std::string name;                // the spec's spelling
  std::vector<BoundParam> params;  // named ones in the order typed, then positional ones

  // The parameter bound under `name` (spec spelling, ASCII case ignored), or nullptr.
  const BoundParam* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // True iff `name` is bound to $true (a switch given without :$false, or a bool).
  bool is_set(std::string_view name) const;
  // The bound string of a kString/kDate parameter, or `fallback` when absent or
  // another kind.
  std::string string_or(std::string_view name, std::string_view fallback = "") const;
};

// Resolves a parameter name as typed against `spec` plus the common parameters: an
// exact match (ASCII case ignored) wins, else the only parameter it is a prefix of.
// Errors (kInvalidInput, naming `typed` and `column`): unknown (listing the valid
// parameters), ambiguous (listing the candidates).
Result<const ParamSpec*> match_parameter(const CmdletSpec& spec, std::string_view typed,
                                         int column);

// Binds `call` to `spec`. REQUIRES nothing of the call's name: a mismatch with
// spec.name is an error. Named parameters are resolved first; a switch given a value
// without ':' hands that value back as positional; positional values then fill the
// parameters with position 0, 1, ... not yet bound.
// Errors (kInvalidInput; the message names the parameter and its column): cmdlet name
// mismatch, unknown or ambiguous parameter, a parameter given twice, a value of the
// wrong kind (or none where one is needed), an unparsable date, a positional value
// with nowhere to go, a missing required parameter.
Result<BoundCall> bind(const CmdletCall& call, const CmdletSpec& spec);

// The spec in `specs` named like `call` (ASCII case ignored). kNotFound, listing the
// supported cmdlets, if none.
Result<const CmdletSpec*> find_cmdlet(std::span<const CmdletSpec> specs, const CmdletCall& call);

}  // namespace pchat::ctl::cmdlet
