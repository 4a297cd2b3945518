#include "ctl/lab/users.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "ctl/target/pool.h"
#include "store/accounts.h"

namespace pchat::ctl {

namespace {

constexpr int kMaxLabUsers = 1000;

// 96 random bits, URL-safe base64 (16 characters).
std::string random_password() {
  std::array<unsigned char, 12> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::array<char, 32> text{};
  sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text.data();
}

Status write_private_file(const std::filesystem::path& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorKind::kInternal,
                      "cannot write " + path.string() + ": " + std::strerror(errno));
  }
  fchmod(fd, 0600);  // an older file may have had other bits
  ssize_t n = write(fd, content.data(), content.size());
  int e = errno;
  close(fd);
  if (n != static_cast<ssize_t>(content.size())) {
    return make_error(ErrorKind::kInternal,
                      "cannot write " + path.string() + ": " + std::strerror(n < 0 ? e : EIO));
  }
  return ok_status();
}

}  // namespace

Status create_lab_users(const std::filesystem::path& topology_file,
                        const std::filesystem::path& users_file, int n, std::ostream& out) {
  if (n < 1 || n > kMaxLabUsers) {
    return make_error(ErrorKind::kInvalidInput,
                      "--users must be 1-" + std::to_string(kMaxLabUsers));
  }
  if (sodium_init() < 0) return make_error(ErrorKind::kInternal, "libsodium failed to start");
  auto target = open_target({.topology_file = topology_file});
  if (!target) return target.error();
  std::string lines;
  for (int i = 1; i <= n; ++i) {
    const std::string name = "user" + std::to_string(i);
    const std::string password = random_password();
    if (auto st = store::create_account((*target)->mgc(), name, password); !st) return st;
    lines += name + " " + password + "\n";
  }
  if (auto st = write_private_file(users_file, lines); !st) return st;
  out << "  accounts user1.."
      << "user" << n << " created in the " << (*target)->store_name
      << " store; their passwords: " << users_file.string() << "\n";
  return ok_status();
}

}  // namespace pchat::ctl
