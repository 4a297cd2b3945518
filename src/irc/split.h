// Comma-separated parameter lists ("#a,#b", "key1,,key3", "nick1,nick2").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pchat::irc {

enum class Empties { kKeep, kSkip };

// Splits `s` at commas. kKeep keeps empty items (positions matter: JOIN keys);
// kSkip drops them. An empty `s` gives {""} with kKeep and {} with kSkip.
std::vector<std::string> split_commas(std::string_view s, Empties empties);

}  // namespace pchat::irc
