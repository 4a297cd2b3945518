#include "server/web_request.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

#include "server/file_request.h"

namespace pchat::server {

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> web_file_path(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  target = target.substr(0, target.find_first_of("?#"));
  const bool folder = target.ends_with('/');
  std::string out;
  while (!target.empty()) {
    target.remove_prefix(1);  // the '/'
    const size_t end = std::min(target.find('/'), target.size());
    const std::string segment = percent_decode(target.substr(0, end), false);
    target.remove_prefix(end);
    if (segment.empty()) continue;
    if (segment == "." || segment == ".." ||
        segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return std::nullopt;
    }
    if (!out.empty()) out += '/';
    out += segment;
  }
  if (out.empty()) return std::string("index.html");
  if (folder) out += "/index.html";
  return out;
}

std::string_view web_content_type(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".webp", "image/webp"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".woff2", "font/woff2"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  }};
  const std::string name = lower_ascii(file_name);
  for (const auto& [ext, type] : kTypes) {
    if (name.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

std::string choose_web_subprotocol(std::string_view offered) {
  while (!offered.empty()) {
    const size_t comma = std::min(offered.find(','), offered.size());
    const std::string one = lower_ascii(trim_spaces(offered.substr(0, comma)));
    offered.remove_prefix(comma == offered.size() ? comma : comma + 1);
    if (one == "text.ircv3.net" || one == "binary.ircv3.net") return one;
  }
  return "";
}

bool web_origin_allowed(std::string_view origin, std::string_view own,
                        const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;
  const std::string o = lower_ascii(trim_spaces(origin));
  if (o == lower_ascii(own)) return true;
  return std::any_of(allowed.begin(), allowed.end(), [&o](const std::string& a) {
    std::string_view entry = a;
    if (entry.ends_with('/')) entry.remove_suffix(1);
    return lower_ascii(entry) == o;
  });
}

std::string url_origin(std::string_view url) {
  const std::string u = lower_ascii(url);
  size_t start = 0;
  if (u.starts_with("http://")) {
    start = 7;
  } else if (u.starts_with("https://")) {
    start = 8;
  } else {
    return "";
  }
  const size_t end = u.find_first_of("/?#", start);
  if (end == start) return "";
  return u.substr(0, end);
}

std::string web_csp(std::string_view files_origin) {
  std::string connect = "connect-src 'self'";
  if (!files_origin.empty()) connect += " " + std::string(files_origin);
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
         connect + "; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

std::string web_etag(uint64_t size, int64_t mtime_ns) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(mtime_ns));
  return buf;
}

}  // namespace pchat::server
