// Small JSON state files the runbook keeps in the copy destination (datacenter B, so
// they survive the loss of datacenter A): written durably (temporary name, fsync,
// rename over the old one, fsync of the folder), read whole.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/result.h"

namespace pchat::dr::runbook {

Status write_state_file(const std::filesystem::path& file, const nlohmann::json& value);

// nullopt when the file does not exist; an error when it cannot be read or parsed.
Result<std::optional<nlohmann::json>> read_state_file(const std::filesystem::path& file);

}  // namespace pchat::dr::runbook
