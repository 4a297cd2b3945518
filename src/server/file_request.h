// The text of file-host requests (server/file_host.h), as pure functions: URL
// paths, HTTP Basic credentials, Content-Disposition file names and their
// sanitizing, content types, sizes for people. No I/O; unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pchat::server {

// %XX decoding; '+' becomes a space only when `plus_is_space` (query strings).
// Malformed escapes are kept as they are.
std::string percent_decode(std::string_view s, bool plus_is_space);
// Encodes everything but RFC 3986 unreserved characters (one path segment).
std::string percent_encode(std::string_view s);

// The files URL: "http(s)://host[:port][/path]" without blanks or control
// characters. Returns the URL without a trailing '/' and its path ("" or "/path"),
// or nullopt with `error` set.
struct FilesUrl {
  std::string url;
  std::string path;
};
std::optional<FilesUrl> parse_files_url(std::string_view url, std::string& error);

// What a request target names, below the files URL's path `prefix`:
//   /<room>       kRoom  (room name percent-decoded; '#' added when missing)
//   /<id>/<name>  kFile  (name percent-decoded)
//   / or nothing  kRoot
//   else          kNone
struct FileRoute {
  enum Kind { kNone, kRoot, kRoom, kFile } kind = kNone;
  std::string room;
  int64_t id = 0;
  std::string name;
};
FileRoute parse_file_route(std::string_view target, std::string_view prefix);

// "Basic base64(user:password)" -> (user, password); nullopt when absent or bad.
std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header);

// The file name a Content-Disposition header gives (filename*=UTF-8''... wins
// over filename="..."), unsanitized; empty when it gives none.
std::string disposition_filename(std::string_view header);

// A file name safe to store, show and serve: the last path component, valid
// UTF-8 (else non-ASCII bytes become '_'), no control characters, no quotes,
// backslashes, slashes or other shell/URL-special characters (they become '_'),
// no leading dots or blanks, at most kMaxFileNameBytes bytes (the extension kept
// when it is short); "file" when nothing is left.
inline constexpr size_t kMaxFileNameBytes = 100;
std::string sanitize_filename(std::string_view raw);

// "type/subtype" (lower case, token characters, parameters dropped except a
// charset) or "application/octet-stream" when absent or malformed.
std::string sanitize_content_type(std::string_view raw);

// "512 B", "12.3 KB", "4.0 MB" (1 KB = 1024 bytes, as MaxFileSizeKB counts).
std::string format_size(int64_t bytes);

// Content-Disposition for a download: attachment with an ASCII fallback name and
// the UTF-8 name in filename*.
std::string attachment_disposition(std::string_view name);

}  // namespace pchat::server
