// Diagnostics: what is wrong (or doubtful) in a topology file, where, and why.
//
// A checker reports every problem it finds, never only the first: an operator fixes
// a file in one pass. Each diagnostic names the file, the line (1-based; 0 when the
// topology was built in code and has no source), the field path in the file's own
// terms ("servers[2].datacenter", "stores.backup", "pool.active_servers[0]") and a
// message that says what is wrong and, where it can, what would be right.
#pragma once

#include <string>
#include <vector>

namespace pchat::dr {

enum class Severity {
  kError,    // the topology cannot be used as written; load_topology() refuses it
  kWarning,  // usable, but probably not what the operator meant (or weakens DR)
};

const char* to_string(Severity s);  // "error", "warning"

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;   // as given by the caller (may be relative)
  int line = 0;       // 1-based; 0 = unknown
  std::string field;  // field path; empty for whole-file problems
  std::string message;
};

// "FILE:LINE: error: FIELD: MESSAGE" (compiler style). ":LINE" is left out when
// line is 0, "FIELD: " when field is empty.
std::string format(const Diagnostic& d);

bool has_errors(const std::vector<Diagnostic>& diagnostics);
int count(const std::vector<Diagnostic>& diagnostics, Severity s);

// Orders by line (unknown lines last), then keeps the report order: stable.
void sort_by_line(std::vector<Diagnostic>& diagnostics);

}  // namespace pchat::dr
