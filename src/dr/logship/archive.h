// The backup job's store step: the body of the primary's archive_command
// (`pchatctl logship archive %p %f`, wired elsewhere). See README.md, "Backup job".
#pragma once

#include <filesystem>
#include <string_view>

#include "core/result.h"

namespace pchat::logship {

// Stores `source` in `share_dir` under `name`, durably, and records it in
// share_dir/kManifestFileName:
//   1. copy `source` to a temporary name in the share, fsync (file_io.h);
//   2. rename it to `name` without replacing anything, fsync the share directory;
//   3. append {name, size, sha256, stored_at} to the manifest (fsynced).
// Success means all three are on disk, so PostgreSQL may recycle the segment.
//
// Idempotent, as archive_command must be (PostgreSQL re-archives a file when it
// crashed before recording success): if `name` is already in the share with the same
// SHA-256, it succeeds, appending the manifest record if an earlier run crashed before
// step 3. If `name` exists with different contents it fails with kConflict, and the
// stored file is untouched: a different file never overwrites an existing name (two
// clusters archiving into one share, a diverged old primary).
//
// Errors: kInvalidInput when `name` is not a WAL file name (wal_name.h; it is used as a
// path component); kNotFound when `source` or `share_dir` is missing; kConflict as
// above; kUnavailable on I/O errors or when another process is storing the same name.
Status archive_into(const std::filesystem::path& share_dir, const std::filesystem::path& source,
                    std::string_view name);

}  // namespace pchat::logship
