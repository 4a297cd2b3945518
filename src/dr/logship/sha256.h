// SHA-256 through OpenSSL's EVP interface, as lower-case hex (64 characters).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pchat::logship {

// Incremental digest. Not copyable; one instance per thread.
class Sha256 {
 public:
  Sha256();  // throws std::runtime_error if OpenSSL cannot provide SHA-256 (broken install)
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  // The digest of everything updated so far, as hex. REQUIRES: called once.
  std::string finish_hex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::string_view bytes);

struct FileDigest {
  uint64_t size = 0;
  std::string sha256;
};

// Reads the whole file. kNotFound when it does not exist, kUnavailable on a read error.
Result<FileDigest> sha256_file(const std::filesystem::path& path);

}  // namespace pchat::logship
