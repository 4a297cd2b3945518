// Principal lists as the store keeps them: text[] columns of canonical principal
// texts (chat::to_string), read back as JSON arrays (to_json / json_agg). Shared by
// store/rooms.cc and store/groups.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chat/principal.h"
#include "core/result.h"

namespace pchat::store {

// The text[] literal of `list` (a query parameter).
std::string principals_array(const std::vector<chat::Principal>& list);

// Parses a JSON array of principal texts read back from the store. A list that no
// longer parses is reported, never silently dropped: kInternal "`owner`: ...".
Result<std::vector<chat::Principal>> decode_principals(std::string_view json_text,
                                                       const std::string& owner);

}  // namespace pchat::store
