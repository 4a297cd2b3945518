// The durable-file steps the log-shipping jobs are made of (POSIX, blocking).
//
// A file becomes visible under its final name only complete and on disk:
//   1. write it under a temporary name in the target directory (kTempPrefix + name),
//      holding an exclusive flock on the temporary file, then fsync it;
//   2. rename it to the final name without ever replacing an existing file
//      (renameat2 RENAME_NOREPLACE; where the file system lacks it, link + unlink,
//      which fails on an existing name just the same);
//   3. fsync the directory, so the rename itself survives a crash.
// A crash before 3 leaves at most a stale temporary file (never listed, overwritten
// by the next attempt for that name) or a complete file whose rename may be lost.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/durable_file.h"
#include "core/result.h"
#include "dr/logship/sha256.h"

namespace pchat::logship {

// Temporary files start with this; listings skip them.
inline constexpr std::string_view kTempPrefix = ".pchat-tmp.";

// The durable-file steps themselves (core/durable_file.h).
using durable::errno_error;
using durable::Fd;
using durable::fsync_dir;
using durable::fsync_fd;
using durable::rename_no_replace;
using durable::write_all;

// An exclusive flock on a file (created if missing, given the owner of its folder),
// released when the FileLock goes or the process ends (even by SIGKILL).
class FileLock {
 public:
  // Waits up to `wait` for a holder to let go; kConflict when it still holds it then.
  static Result<FileLock> take(const std::filesystem::path& file, std::chrono::milliseconds wait);

 private:
  explicit FileLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

// Run as root, gives a file just created in `dir` the owner of `dir`: the folders
// belong to the PostgreSQL user, whose restore job and copy job read and write them;
// a root-run `pchatctl logship copy` must not leave files they cannot read.
// Best effort (no-op when not root).
void match_dir_owner(int fd, const std::filesystem::path& dir);

// Step 1: copies `src` into `dir/<kTempPrefix><name>` (truncating a stale one),
// fsyncs it, and returns the size and SHA-256 of the bytes read from `src`.
// kUnavailable when another process holds the temporary file (a concurrent writer of
// the same name); kNotFound when `src` does not exist.
Result<FileDigest> copy_to_temp(const std::filesystem::path& src, const std::filesystem::path& dir,
                                std::string_view name);

std::filesystem::path temp_path(const std::filesystem::path& dir, std::string_view name);

// The regular files of `dir`, sorted by name, without temporary files. kNotFound when
// `dir` does not exist.
Result<std::vector<std::string>> list_files(const std::filesystem::path& dir);

}  // namespace pchat::logship
