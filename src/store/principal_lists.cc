#include "store/principal_lists.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "store/pg.h"

namespace pchat::store {

std::string principals_array(const std::vector<chat::Principal>& list) {
  std::vector<std::optional<std::string>> texts;
  texts.reserve(list.size());
  for (const auto& p : list) texts.emplace_back(chat::to_string(p));
  return pg::make_text_array(texts);
}

Result<std::vector<chat::Principal>> decode_principals(std::string_view json_text,
                                                       const std::string& owner) {
  auto j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) {
    return make_error(ErrorKind::kInternal, owner + ": a principal list is not an array");
  }
  std::vector<std::string> texts;
  for (const auto& e : j) {
    if (e.is_string()) texts.push_back(e.get<std::string>());
  }
  auto parsed = chat::parse_principals(texts);
  if (!parsed) {
    return make_error(ErrorKind::kInternal, owner + ": stored list: " + parsed.error().message);
  }
  return parsed;
}

}  // namespace pchat::store
