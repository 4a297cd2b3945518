#include "compliance/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/durable_file.h"

namespace pchat::compliance {

namespace {

using durable::errno_error;
using durable::Fd;

// Compares the file at `path` with `bytes`. Sets *exists; *same when equal.
Status compare_existing(const std::string& path, std::string_view bytes, bool* exists, bool* same) {
  *exists = false;
  *same = false;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return ok_status();
    return errno_error(errno, "open", path);
  }
  *exists = true;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return errno_error(errno, "stat", path);
  if (!S_ISREG(st.st_mode)) return ok_status();  // exists, not ours: differs
  if (static_cast<uint64_t>(st.st_size) != bytes.size()) return ok_status();
  std::string buf(64 * 1024, '\0');
  size_t off = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "read", path);
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
  if (Status s = durable::fsync_path(path); !s) return s.error();
  if (Status s = durable::fsync_dir(dir); !s) return s.error();
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
    if (!fd.valid()) return errno_error(errno, "create", tmp);
    if (Status s = durable::write_all(fd.get(), bytes.data(), bytes.size(), tmp); !s) {
      return s.error();
    }
    if (Status s = durable::fsync_fd(fd.get(), tmp); !s) return s.error();
    if (fd.close_now() != 0) return errno_error(errno, "close", tmp);
  }
  if (Status s = durable::rename_no_replace(tmp, path); !s) {
    if (s.error().kind != ErrorKind::kConflict) return s.error();
    ::unlink(tmp.c_str());  // another writer got there first: compare with it
    return settle_existing(dir, path, bytes);
  }
  if (Status s = durable::fsync_dir(dir); !s) return s.error();
  return WriteOutcome::kWritten;
}

}  // namespace pchat::compliance
