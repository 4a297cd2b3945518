// `pchatctl --topology FILE topology ...`: check and print the published topology
// (src/dr/README.md has the file format).
//
// Both commands read FILE themselves (no store, no server is contacted), so they work
// on any machine, before anything is installed. Failures come back as values for
// main() to print as "pchatctl: error: ...".
#pragma once

#include <filesystem>
#include <iosfwd>

#include "core/result.h"

namespace pchat::ctl {

struct TopologyCommandContext {
  std::filesystem::path topology_file;  // --topology FILE (or $PCHAT_TOPOLOGY); may be empty
  std::ostream* out = nullptr;          // results (stdout)
  std::ostream* err = nullptr;          // diagnostics of `show` (stderr)
};

// `topology validate [--json]`: prints every diagnostic, compiler style
// ("FILE:LINE: error: FIELD: MESSAGE"), errors and warnings in line order, then a
// summary line. OK when there is no error (warnings allowed); otherwise an error
// "FILE: N errors, M warnings". With `json`, one object instead:
// {"file", "valid", "errors", "warnings", "diagnostics": [{"severity", "line",
// "field", "message"}]}. kInvalidInput when no file was given.
Status topology_validate(const TopologyCommandContext& ctx, bool json);

// `topology show [--json]`: the parsed model (defaults filled in, paths resolved):
// tables for people, or with `json` one object with every field. Refuses an invalid
// file (its errors on `err`, as validate prints them); warnings go to `err` too.
Status topology_show(const TopologyCommandContext& ctx, bool json);

}  // namespace pchat::ctl
