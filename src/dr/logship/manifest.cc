#include "dr/logship/manifest.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "dr/logship/file_io.h"

namespace pchat::logship {
namespace {

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::chrono::system_clock::time_point manifest_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  auto milli = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
}

Result<std::chrono::system_clock::time_point> parse_utc(std::string_view text) {
  std::tm tm{};
  int milli = 0;
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &milli, &consumed) != 7 ||
      consumed != static_cast<int>(s.size()) || s.size() != 24) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("'{}' is not a UTC time like 2024-05-01T12:00:00.123Z", text));
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t secs = ::timegm(&tm);
  return std::chrono::system_clock::time_point{} + std::chrono::seconds(secs) +
         std::chrono::milliseconds(milli);
}

std::string format_manifest_line(const ManifestRecord& r) {
  nlohmann::ordered_json j;
  j["name"] = r.name;
  j["size"] = r.size;
  j["sha256"] = r.sha256;
  j["stored_at"] = format_utc(r.stored_at);
  return j.dump();
}

Result<ManifestRecord> parse_manifest_line(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(ErrorKind::kInvalidInput, "not a JSON object");
  }
  auto str = [&](const char* key) -> const std::string* {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  ManifestRecord r;
  const std::string* name = str("name");
  const std::string* sha = str("sha256");
  const std::string* at = str("stored_at");
  auto size = j.find("size");
  if (name == nullptr || name->empty()) return make_error(ErrorKind::kInvalidInput, "no name");
  if (sha == nullptr || !is_sha256_hex(*sha)) {
    return make_error(ErrorKind::kInvalidInput, "no sha256 (64 lower-case hex digits)");
  }
  if (size == j.end() || !size->is_number_unsigned()) {
    return make_error(ErrorKind::kInvalidInput, "no size (a non-negative integer)");
  }
  if (at == nullptr) return make_error(ErrorKind::kInvalidInput, "no stored_at");
  auto t = parse_utc(*at);
  if (!t) return t.error();
  r.name = *name;
  r.sha256 = *sha;
  r.size = size->get<uint64_t>();
  r.stored_at = *t;
  return r;
}

Result<ManifestContents> read_manifest(const std::filesystem::path& file) {
  ManifestContents out;
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return out;
    return errno_error(errno, "open", file);
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, "read", file);
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  std::string_view rest = data;
  int line_no = 0;
  while (!rest.empty()) {
    ++line_no;
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      out.warnings.push_back(fmt::format(
          "{}:{}: torn last line ({} bytes, no newline; a crash during an append) ignored",
          file.string(), line_no, rest.size()));
      break;
    }
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line.empty()) continue;
    auto rec = parse_manifest_line(line);
    if (!rec) {
      out.warnings.push_back(fmt::format("{}:{}: unreadable record skipped: {}", file.string(),
                                         line_no, rec.error().message));
      continue;
    }
    out.records.push_back(std::move(*rec));
  }
  for (const auto& w : out.warnings) spdlog::warn("logship manifest: {}", w);
  return out;
}

Status append_manifest(const std::filesystem::path& file, const ManifestRecord& record) {
  std::string line = format_manifest_line(record);
  line += '\n';
  bool created = false;
  Fd fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT) {
    fd = Fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    created = true;
    if (fd.valid()) match_dir_owner(fd.get(), file.parent_path());
  }
  if (!fd.valid()) return errno_error(errno, "open", file);
  if (::flock(fd.get(), LOCK_EX) != 0) return errno_error(errno, "flock", file);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return errno_error(errno, "stat", file);
  if (st.st_size > 0) {
    // Cut a torn last line (a crash mid-append) back to the last complete line.
    off_t end = st.st_size;
    off_t keep = end;
    char c = 0;
    char buf[4096];
    bool torn = ::pread(fd.get(), &c, 1, end - 1) == 1 && c != '\n';
    if (torn) {
      keep = 0;
      for (off_t pos = end; pos > 0;) {
        off_t start =
            pos > static_cast<off_t>(sizeof buf) ? pos - static_cast<off_t>(sizeof buf) : 0;
        ssize_t n = ::pread(fd.get(), buf, static_cast<std::size_t>(pos - start), start);
        if (n <= 0) return errno_error(n < 0 ? errno : EIO, "read", file);
        bool found = false;
        for (ssize_t i = n - 1; i >= 0; --i) {
          if (buf[i] == '\n') {
            keep = start + i + 1;
            found = true;
            break;
          }
        }
        if (found) break;
        pos = start;
      }
      spdlog::warn("logship manifest: {}: cutting a torn last line ({} bytes) before appending",
                   file.string(), end - keep);
      if (::ftruncate(fd.get(), keep) != 0) return errno_error(errno, "truncate", file);
    }
  }
  if (auto s = write_all(fd.get(), line.data(), line.size(), file); !s) return s;
  if (auto s = fsync_fd(fd.get(), file); !s) return s;
  if (created) return fsync_dir(file.parent_path().empty() ? "." : file.parent_path());
  return ok_status();
}

std::optional<ManifestRecord> find_record(const std::vector<ManifestRecord>& records,
                                          std::string_view name) {
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->name == name) return *it;
  }
  return std::nullopt;
}

}  // namespace pchat::logship
