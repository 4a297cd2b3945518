#include "core/secret_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pchat {

namespace fs = std::filesystem;

namespace {

Error io_error(const fs::path& file, const std::string& what, int err) {
  return Error{ErrorKind::kInternal, what + " " + file.string() + ": " + std::strerror(err)};
}

// 32 random bytes as 64 lowercase hex characters.
Result<std::string> random_hex() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{ErrorKind::kInternal, std::string("getrandom: ") + strerror(errno)};
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// Writes a new secret to a 0600 temporary file and links it to `file`; EEXIST
// (another process was first) is success: its file is the one read.
Status create_secret(const fs::path& file) {
  auto secret = random_hex();
  if (!secret) return secret.error();
  const fs::path tmp = file.string() + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(tmp, "cannot create", errno);
  const std::string line = *secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  const int werr = errno;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return io_error(tmp, "cannot write", werr);
  }
  const int rc = ::link(tmp.c_str(), file.c_str());
  const int lerr = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && lerr != EEXIST) return io_error(file, "cannot create", lerr);
  return ok_status();
}

}  // namespace

Result<std::string> read_secret_file(const fs::path& file, bool create_if_missing) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (!create_if_missing) {
      return Error{ErrorKind::kNotFound, "no secret file " + file.string()};
    }
    if (auto st = create_secret(file); !st) return st.error();
  }
  std::ifstream in(file);
  if (!in) return io_error(file, "cannot read", errno);
  std::string line;
  std::getline(in, line);
  const auto first = line.find_first_not_of(" \t\r\n");
  const auto last = line.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return Error{ErrorKind::kInvalidInput, "secret file " + file.string() + " is empty"};
  }
  return line.substr(first, last - first + 1);
}

bool secret_file_too_open(const fs::path& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

}  // namespace pchat
