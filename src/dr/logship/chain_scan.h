// Builds check_chain's input from a folder (the copy destination): every regular file
// but the manifest and temporary files, its size and SHA-256 as on disk, the checksum
// its manifest records, and the content of .history files. Reads every byte: a
// 16 MB segment costs one hash.
#pragma once

#include <filesystem>
#include <vector>

#include "core/result.h"
#include "dr/logship/chain.h"

namespace pchat::logship {

// kNotFound when `dir` does not exist; kUnavailable on read errors.
Result<std::vector<ChainFile>> scan_chain_files(const std::filesystem::path& dir);

}  // namespace pchat::logship
