#include "core/durable_file.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2 (glibc >= 2.28, _GNU_SOURCE)
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pchat::durable {

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int Fd::close_now() {
  int rc = ::close(fd_);
  fd_ = -1;
  return rc;
}

Error errno_error(int err, std::string_view op, const std::filesystem::path& path) {
  ErrorKind kind = ErrorKind::kUnavailable;
  if (err == ENOENT) kind = ErrorKind::kNotFound;
  if (err == EEXIST) kind = ErrorKind::kConflict;
  if (err == EACCES || err == EPERM) kind = ErrorKind::kDenied;
  return make_error(kind, fmt::format("{} {}: {}", op, path.string(), std::strerror(err)));
}

Status write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, "write", path);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return ok_status();
}

Status fsync_fd(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) return errno_error(errno, "fsync", path);
  return ok_status();
}

Status fsync_path(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno_error(errno, "open", path);
  return fsync_fd(fd.get(), path);
}

Status fsync_dir(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno_error(errno, "open directory", dir);
  return fsync_fd(fd.get(), dir);
}

Status rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return ok_status();
  }
  int err = errno;
  if (err != EINVAL && err != ENOSYS && err != ENOTSUP) return errno_error(err, "rename to", to);
  // The file system cannot rename without replacing: link() refuses an existing name too.
  if (::link(from.c_str(), to.c_str()) != 0) return errno_error(errno, "link to", to);
  if (::unlink(from.c_str()) != 0) return errno_error(errno, "unlink", from);
  return ok_status();
}

}  // namespace pchat::durable
