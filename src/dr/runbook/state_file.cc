#include "dr/runbook/state_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "core/durable_file.h"
#include "dr/logship/file_io.h"
#include "dr/logship/manifest.h"

namespace pchat::dr::runbook {

namespace fs = std::filesystem;

Status write_state_file(const fs::path& file, const nlohmann::json& value) {
  const fs::path dir = file.parent_path();
  const fs::path tmp = logship::temp_path(dir, file.filename().string());
  const std::string text = value.dump(2) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return durable::errno_error(errno, "create", tmp);
  logship::match_dir_owner(fd, dir);
  Status st = durable::write_all(fd, text.data(), text.size(), tmp);
  if (st) st = durable::fsync_fd(fd, tmp);
  ::close(fd);
  if (!st) return st;
  if (::rename(tmp.c_str(), file.c_str()) != 0) return durable::errno_error(errno, "rename", tmp);
  return durable::fsync_dir(dir);
}

Result<std::optional<nlohmann::json>> read_state_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || !fs::exists(file)) return std::optional<nlohmann::json>{};
    return durable::errno_error(errno, "open", file);
  }
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) {
    return make_error(ErrorKind::kInvalidInput, file.string() + " is not valid JSON");
  }
  return std::optional<nlohmann::json>(std::move(j));
}

Result<RunbookLock> RunbookLock::take(const fs::path& dir) {
  const fs::path file = dir / logship::kRunbookLockFileName;
  auto lock = logship::FileLock::take(file, std::chrono::milliseconds(0));
  if (!lock && lock.error().kind == ErrorKind::kConflict) {
    return make_error(ErrorKind::kConflict,
                      "another pchatctl failover or failback is running (it holds " +
                          file.string() + "); wait for it, or end it and run this again");
  }
  if (!lock) return lock.error();
  return RunbookLock(std::move(*lock));
}

}  // namespace pchat::dr::runbook
