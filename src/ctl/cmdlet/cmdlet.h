// Cmdlet lines: `Verb-Noun -Param value ...`, as Lync's management shell takes
// them (see README.md for the grammar). Pure functions, thread-safe.
//
// parse_cmdlet() knows no cmdlet: it turns a line into names and values. bind()
// (binder.h) then checks the call against a declared CmdletSpec. The values of
// parameters (`-PoolState FailedOver`) are the caller's to validate.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ctl/cmdlet/value.h"

namespace pchat::ctl::cmdlet {

// Lines longer than this are refused (a runbook line is far shorter).
inline constexpr std::size_t kMaxCmdletLineBytes = 64 * 1024;

struct Param {
  std::string name;        // as typed, without the dash or ':'; empty for a positional value
  Value value;             // Value() (a switch) when no value followed the name
  int position = 0;        // column of the dash (or of a positional value); 1-based, code points
  int value_position = 0;  // column of the value; 0 when there is none
  bool colon = false;      // written `-Name:value`: the value belongs to the name even
                           // when the name turns out to be a switch
};

struct CmdletCall {
  std::string verb_noun;   // as typed (dash as typed too)
  std::string name_lower;  // ASCII-lowercased, any accepted dash written '-'
  std::vector<Param> params;

  // The first parameter whose name equals `name`, ignoring ASCII case (no prefix
  // matching: bind() does that against a spec). nullptr if none. Positional values
  // are never found.
  const Param* find(std::string_view name) const;
};

// Parses one command. Leading/trailing whitespace and a trailing `# comment` are
// ignored. A parameter takes the value that follows it (a comma list is one value)
// unless the next token is another parameter; bind() gives the value back as a
// positional one when the parameter is a switch.
// Errors (kInvalidInput; the message quotes the text and gives its column):
//   empty line; no Verb-Noun name first; `|`, `;`, `&` outside quotes and hashtables
//   ("pipelines are not supported"); redirection; `(...)` and `{...}`; variables
//   other than $true/$false/$null; a malformed hashtable or list; an unterminated
//   string; a line longer than kMaxCmdletLineBytes.
Result<CmdletCall> parse_cmdlet(std::string_view line);

// Splits a script into command lines: lines are separated by LF (a CR before it is
// dropped; a leading UTF-8 BOM too); a line whose last non-blank character is an odd
// run of backticks continues on the next (the backtick is replaced by a space); blank
// lines and lines starting with '#' (after blanks) are skipped unless they continue a
// command. Each returned line is trimmed of surrounding blanks.
std::vector<std::string> split_cmdlet_lines(std::string_view script);

}  // namespace pchat::ctl::cmdlet
