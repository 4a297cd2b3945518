// Small JSON state files the runbook keeps in the copy destination (datacenter B, so
// they survive the loss of datacenter A): written durably (temporary name, fsync,
// rename over the old one, fsync of the folder), read whole.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/result.h"
#include "dr/logship/file_io.h"

namespace pchat::dr::runbook {

Status write_state_file(const std::filesystem::path& file, const nlohmann::json& value);

// nullopt when the file does not exist; an error when it cannot be read or parsed.
Result<std::optional<nlohmann::json>> read_state_file(const std::filesystem::path& file);

// Held for the whole of `pchatctl failover` / `failback`: a second run (a re-run
// started while a hung one still lives) is refused instead of racing it. flock on
// COPY_DESTINATION/.pchat-runbook.lock; released when the process ends (even SIGKILL).
class RunbookLock {
 public:
  static Result<RunbookLock> take(const std::filesystem::path& dir);

 private:
  explicit RunbookLock(logship::FileLock lock) : lock_(std::move(lock)) {}
  logship::FileLock lock_;
};

}  // namespace pchat::dr::runbook
