// The text of the web listener's requests (server/web_host.h), as pure functions:
// which file a path names, content types, the WebSocket subprotocol, the Origin
// check, the Content-Security-Policy. No I/O; unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pchat::server {

// The file a request target names, relative to the web root: "/" is "index.html",
// a path ending in '/' names that folder's index.html; the query is ignored. Each
// segment is percent-decoded on its own; nullopt (refused) when a decoded segment
// is "." or "..", or holds '/', '\\' or NUL, or the target does not start with '/'.
// Empty segments ("//") are skipped, so the result never starts with '/'.
std::optional<std::string> web_file_path(std::string_view target);

// Content-Type by the file name's extension (html, js, css, svg, png, json,
// woff2, ico, ...); application/octet-stream for others.
std::string_view web_content_type(std::string_view file_name);

// The subprotocol to answer for a Sec-WebSocket-Protocol header: the first of the
// client's list that is text.ircv3.net or binary.ircv3.net; "" when none is.
std::string choose_web_subprotocol(std::string_view offered);

// Whether a WebSocket upgrade with this Origin header may go on: no Origin (not a
// browser), the request's own origin `own` ("http(s)://" + its Host), or one of
// `allowed`. Compared without case; a trailing '/' of an allowed entry is ignored.
bool web_origin_allowed(std::string_view origin, std::string_view own,
                        const std::vector<std::string>& allowed);

// "scheme://host[:port]" of an http(s) URL, lower-cased; "" when it is none.
std::string url_origin(std::string_view url);

// The Content-Security-Policy of every web listener response; `files_origin`
// (the file host's origin, or "") is added to connect-src.
std::string web_csp(std::string_view files_origin);

// A strong ETag for a file of this size and modification time (nanoseconds).
std::string web_etag(uint64_t size, int64_t mtime_ns);

}  // namespace pchat::server
