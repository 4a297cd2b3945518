// The copy job (datacenter B): bring every file recorded in the backup share's manifest
// into the backup store's copy destination folder, verified. See README.md, "Copy job".
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dr/logship/manifest.h"

namespace pchat::logship {

// What the copy destination holds: the regular files (list_files) and its own manifest
// (one record per verified copy).
struct DestinationState {
  std::vector<std::string> files;
  std::vector<ManifestRecord> manifest;
};

struct CopyPlan {
  // Records to copy, in archive order (compare_wal_files: history files first, then by
  // segment); names that are not WAL file names go last, by name.
  std::vector<ManifestRecord> to_copy;
  // Human-readable refusals, one per name: the share's manifest gives one name two
  // different checksums, or the destination already holds the name with another one.
  // Those names are not in to_copy.
  std::vector<std::string> conflicts;
};

// Pure. A name is done when the destination lists it AND records it (a file without
// its record is what a crash between rename and record leaves: planned again, and
// copy_verified completes it without copying). `segsize` orders the names.
CopyPlan plan_copy(const std::vector<ManifestRecord>& share_manifest,
                   const DestinationState& destination, uint64_t segsize);

// Reads dst_dir's listing and manifest. kNotFound when dst_dir does not exist.
Result<DestinationState> read_destination(const std::filesystem::path& dst_dir);

// Copies `src` into `dst_dir` under its own file name:
//   1. copy to a temporary name in dst_dir, fsync;
//   2. re-read the temporary file and check its SHA-256 against `expected_sha256`
//      (the share manifest's); on mismatch delete it and fail;
//   3. rename without replacing, fsync dst_dir;
//   4. append the record to dst_dir's manifest.
// Idempotent: an existing name with the expected checksum succeeds (recording it if
// missing); with another checksum it fails with kConflict and is left alone.
// Returns the destination's record. Errors: kInvalidInput when the name is not a WAL
// file name, or when the copy's checksum is not `expected_sha256` (the message names
// the file and both checksums: a corrupt, truncated or foreign file in the share);
// kNotFound, kConflict, kUnavailable as in archive_into.
Result<ManifestRecord> copy_verified(const std::filesystem::path& src,
                                     const std::filesystem::path& dst_dir,
                                     std::string_view expected_sha256);

}  // namespace pchat::logship
