#include "ctl/lab/port_registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

namespace pchat::ctl {

namespace {

long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::filesystem::path PortRegistry::path() {
  const char* tmp = std::getenv("TMPDIR");
  return std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
         "pchat-chosen-ports";
}

PortRegistry::PortRegistry() {
  fd_ = ::open(path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) return;
  if (::flock(fd_, LOCK_EX) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  std::istringstream in(text);
  const long long oldest = now_s() - kPortRegistryKeep.count();
  int port = 0;
  long long at = 0;
  while (in >> port >> at) {
    if (at >= oldest) chosen_[port] = at;
  }
}

PortRegistry::~PortRegistry() {
  if (fd_ < 0) return;
  std::ostringstream out;
  for (const auto& [port, at] : chosen_) out << port << ' ' << at << '\n';
  const std::string text = out.str();
  if (::ftruncate(fd_, 0) == 0 && ::lseek(fd_, 0, SEEK_SET) == 0) {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

bool PortRegistry::recent(int port) const {
  return chosen_.count(port) != 0;
}

void PortRegistry::record(int port) {
  chosen_[port] = now_s();
}

}  // namespace pchat::ctl
