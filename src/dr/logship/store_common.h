// Shared by archive.cc and copy.cc: what to do when the final name already exists.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/result.h"
#include "dr/logship/sha256.h"

namespace pchat::logship {

// `final_path` exists. If its SHA-256 equals `incoming.sha256`, the earlier store is
// complete but for (maybe) its manifest record: fsync the directory, append the record
// to `manifest` when no record of `name` with that checksum is there, and succeed.
// Otherwise kConflict, naming both checksums; nothing is changed. `what` prefixes
// messages ("archive", "copy").
Status settle_existing(const std::filesystem::path& final_path,
                       const std::filesystem::path& manifest, std::string_view name,
                       const FileDigest& incoming, std::string_view what);

}  // namespace pchat::logship
