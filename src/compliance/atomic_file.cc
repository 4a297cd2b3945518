#include "compliance/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2 (glibc >= 2.28, _GNU_SOURCE)
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace pchat::compliance {

namespace {

// Closes on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports close()'s error (a deferred write error on some file systems).
  int close_now() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Error io_error(const std::string& what, const std::string& path, int err) {
  return make_error(err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kUnavailable,
                    what + " " + path + ": " + ::strerror(err));
}

Status fsync_path(const std::string& path, int flags) {
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot open", path, errno);
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync", path, errno);
  return ok_status();
}

// Compares the file at `path` with `bytes`. Sets *exists; *same when equal.
Status compare_existing(const std::string& path, std::string_view bytes, bool* exists, bool* same) {
  *exists = false;
  *same = false;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return ok_status();
    return io_error("cannot open", path, errno);
  }
  *exists = true;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return ok_status();  // exists, not ours: differs
  if (static_cast<uint64_t>(st.st_size) != bytes.size()) return ok_status();
  std::string buf(64 * 1024, '\0');
  size_t off = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read", path, errno);
    }
    if (n == 0) break;
    size_t len = static_cast<size_t>(n);
    if (off + len > bytes.size() || bytes.substr(off, len) != std::string_view(buf.data(), len)) {
      return ok_status();
    }
    off += len;
  }
  *same = off == bytes.size();
  return ok_status();
}

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

// The outcome when dir/name already exists: same bytes -> make it durable and
// report kAlreadyPresent; other bytes -> kConflict.
Result<WriteOutcome> settle_existing(const std::string& dir, const std::string& path,
                                     std::string_view bytes) {
  bool exists = false, same = false;
  if (Status s = compare_existing(path, bytes, &exists, &same); !s) return s.error();
  if (!exists) {
    return make_error(ErrorKind::kUnavailable, "output file " + path + " vanished while writing");
  }
  if (!same) {
    return make_error(
        ErrorKind::kConflict,
        "output file " + path + " already exists with different content; refusing to overwrite it");
  }
  if (Status s = fsync_path(path, O_RDONLY); !s) return s.error();
  if (Status s = fsync_path(dir, O_RDONLY | O_DIRECTORY); !s) return s.error();
  return WriteOutcome::kAlreadyPresent;
}

}  // namespace

std::string temporary_name(std::string_view name) {
  return "." + std::string(name) + ".tmp";
}

Result<WriteOutcome> write_file_atomically(const std::string& dir, std::string_view name,
                                           std::string_view bytes) {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return make_error(ErrorKind::kInvalidInput,
                      "invalid output file name '" + std::string(name) + "'");
  }
  const std::string path = dir + "/" + std::string(name);
  const std::string tmp = dir + "/" + temporary_name(name);

  // A re-run after a crash: the file may be there already.
  bool exists = false, same = false;
  if (Status s = compare_existing(path, bytes, &exists, &same); !s) return s.error();
  if (exists) return settle_existing(dir, path, bytes);

  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (fd.get() < 0) return io_error("cannot create", tmp, errno);
    if (Status s = write_all(fd.get(), bytes, tmp); !s) return s.error();
    if (::fsync(fd.get()) != 0) return io_error("cannot fsync", tmp, errno);
    if (fd.close_now() != 0) return io_error("cannot close", tmp, errno);
  }

  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    if (err == EEXIST) {
      ::unlink(tmp.c_str());
      return settle_existing(dir, path, bytes);
    }
    if (err != EINVAL && err != ENOSYS) return io_error("cannot rename " + tmp + " to", path, err);
    // No RENAME_NOREPLACE here: checked above that `path` does not exist.
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      return io_error("cannot rename " + tmp + " to", path, errno);
    }
  }
  if (Status s = fsync_path(dir, O_RDONLY | O_DIRECTORY); !s) return s.error();
  return WriteOutcome::kWritten;
}

}  // namespace pchat::compliance
