#include "compliance/file_naming.h"

#include <fmt/format.h>

#include "compliance/time_format.h"

namespace pchat::compliance {

namespace {

constexpr size_t kMaxSlugBytes = 32;

std::string run_stem(const RunInfo& run) {
  std::string stem = fmt::format("pchat-compliance-{}-{:019}-{:019}", compact_utc(run.end_us),
                                 run.first_event_id, run.last_event_id);
  if (!run.origin.empty()) stem += "-" + room_slug(run.origin);
  return stem;
}

}  // namespace

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string room_slug(std::string_view room) {
  std::string slug;
  for (char c : room) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
    if (keep && slug.size() < kMaxSlugBytes) slug += c;
  }
  return slug.empty() ? "room" : slug;
}

std::string run_file_name(const RunInfo& run, std::string_view ext) {
  return fmt::format("{}.{}", run_stem(run), ext);
}

std::string room_file_name(const RunInfo& run, std::string_view room, std::string_view room_uri,
                           std::string_view ext) {
  return fmt::format("{}-{}-{:016x}.{}", run_stem(run), room_slug(room), fnv1a64(room_uri), ext);
}

}  // namespace pchat::compliance
