#include "irc/split.h"

namespace pchat::irc {

std::vector<std::string> split_commas(std::string_view s, Empties empties) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string_view::npos) comma = s.size();
    if (comma > pos || empties == Empties::kKeep) out.emplace_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

}  // namespace pchat::irc
