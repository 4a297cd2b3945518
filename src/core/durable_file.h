// Durable files: the POSIX steps every writer in pchat that must survive a crash is
// made of (log shipping's share and copy destination, the compliance service's output,
// the runbook's state file). Blocking calls; thread-safe as the system calls are.
//
// A file becomes visible under its final name only complete and on disk:
//   1. write it under a temporary name in the same directory, fsync it (fsync_fd);
//   2. rename it to the final name without ever replacing an existing file
//      (rename_no_replace);
//   3. fsync the directory (fsync_dir), so the rename itself survives a crash.
// A crash before 3 leaves at most a stale temporary file or a complete file whose
// rename may be lost; the writer's next attempt for that name cleans it up.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "core/result.h"

namespace pchat::durable {

// An owned file descriptor, closed when it goes.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  bool valid() const { return fd_ >= 0; }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();
  // Closes now and returns close()'s result (a deferred write error on some file
  // systems): 0 or -1 with errno set.
  int close_now();

 private:
  int fd_ = -1;
};

// An Error for a failed system call: kNotFound for ENOENT, kConflict for EEXIST,
// kDenied for EACCES/EPERM, kUnavailable otherwise. Message: "<op> <path>: <strerror>".
Error errno_error(int err, std::string_view op, const std::filesystem::path& path);

// Writes all of `data` (retrying short writes and EINTR).
Status write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path);

Status fsync_fd(int fd, const std::filesystem::path& path);
// Opens `path` read-only (a directory too) and fsyncs it.
Status fsync_path(const std::filesystem::path& path);
Status fsync_dir(const std::filesystem::path& dir);

// Renames `from` to `to`, failing with kConflict if `to` exists: renameat2
// RENAME_NOREPLACE, or where the file system lacks it, link + unlink (link refuses
// an existing name just the same). Never replaces a file.
Status rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace pchat::durable
