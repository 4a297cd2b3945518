#include "dr/logship/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace pchat::logship {

std::filesystem::path temp_path(const std::filesystem::path& dir, std::string_view name) {
  return dir / (std::string(kTempPrefix) + std::string(name));
}

Result<FileLock> FileLock::take(const std::filesystem::path& file, std::chrono::milliseconds wait) {
  Fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return errno_error(errno, "open", file);
  match_dir_owner(fd.get(), file.parent_path());
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK) return errno_error(err, "flock", file);
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(ErrorKind::kConflict, "another process holds " + file.string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return FileLock(std::move(fd));
}

void match_dir_owner(int fd, const std::filesystem::path& dir) {
  if (::geteuid() != 0) return;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return;
  if (st.st_uid == 0 && st.st_gid == 0) return;
  (void)::fchown(fd, st.st_uid, st.st_gid);
}

Result<FileDigest> copy_to_temp(const std::filesystem::path& src, const std::filesystem::path& dir,
                                std::string_view name) {
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return errno_error(errno, "open", src);
  std::filesystem::path tmp = temp_path(dir, name);
  // No O_TRUNC before the lock: truncating would wreck a concurrent writer's file.
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
  if (!out.valid()) return errno_error(errno, "create", tmp);
  match_dir_owner(out.get(), dir);
  if (::flock(out.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return make_error(ErrorKind::kUnavailable,
                        fmt::format("{}: another process is writing {} now", tmp.string(), name));
    }
    return errno_error(errno, "flock", tmp);
  }
  if (::ftruncate(out.get(), 0) != 0) return errno_error(errno, "truncate", tmp);
  Sha256 h;
  FileDigest d;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, "read", src);
    if (n == 0) break;
    h.update(buf, static_cast<std::size_t>(n));
    d.size += static_cast<uint64_t>(n);
    if (auto s = write_all(out.get(), buf, static_cast<std::size_t>(n), tmp); !s) return s.error();
  }
  if (auto s = fsync_fd(out.get(), tmp); !s) return s.error();
  d.sha256 = h.finish_hex();
  return d;
}

Result<std::vector<std::string>> list_files(const std::filesystem::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno_error(errno, "open directory", dir);
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
    struct stat st;
    if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
    out.emplace_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pchat::logship
