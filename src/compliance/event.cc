#include "compliance/event.h"

#include <array>

namespace pchat::compliance {

namespace {

constexpr std::array<const char*, 6> kTypeNames = {"JOIN",     "PART",       "CHAT",
                                                   "BACKCHAT", "FILEUPLOAD", "FILEDOWNLOAD"};

}  // namespace

const char* to_string(ComplianceEvent::Type type) {
  auto i = static_cast<size_t>(type);
  return i < kTypeNames.size() ? kTypeNames[i] : "UNKNOWN";
}

std::optional<ComplianceEvent::Type> parse_event_type(std::string_view name) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (name == kTypeNames[i]) return static_cast<ComplianceEvent::Type>(i);
  }
  return std::nullopt;
}

}  // namespace pchat::compliance
