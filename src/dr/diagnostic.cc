#include "dr/diagnostic.h"

#include <algorithm>
#include <limits>

namespace pchat::dr {

const char* to_string(Severity s) {
  return s == Severity::kError ? "error" : "warning";
}

std::string format(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) out += ":" + std::to_string(d.line);
  out += ": ";
  out += to_string(d.severity);
  out += ": ";
  if (!d.field.empty()) out += d.field + ": ";
  out += d.message;
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return count(diagnostics, Severity::kError) > 0;
}

int count(const std::vector<Diagnostic>& diagnostics, Severity s) {
  return static_cast<int>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                        [&](const Diagnostic& d) { return d.severity == s; }));
}

void sort_by_line(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     int la = a.line > 0 ? a.line : std::numeric_limits<int>::max();
                     int lb = b.line > 0 ? b.line : std::numeric_limits<int>::max();
                     return la < lb;
                   });
}

}  // namespace pchat::dr
