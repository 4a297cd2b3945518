// "Did you mean ...?" for misspelled keys and names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pchat::dr {

// The candidate closest to `word` by edit distance (case-insensitive), if it is
// close enough to be a likely typo: distance <= max(2, size/3). Empty otherwise.
std::string nearest(std::string_view word, const std::vector<std::string_view>& candidates);

// Levenshtein distance, ASCII case-insensitive.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace pchat::dr
