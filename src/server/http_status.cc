#include "server/http_status.h"

#include <array>
#include <fstream>
#include <sstream>

namespace pchat::server {

namespace http = boost::beast::http;

namespace {

struct PageFile {
  std::string_view path, file, type;
};

constexpr std::array<PageFile, 3> kPageFiles{{
    {"/status/", "index.html", "text/html; charset=utf-8"},
    {"/status/status.js", "status.js", "text/javascript; charset=utf-8"},
    {"/status/status.css", "status.css", "text/css; charset=utf-8"},
}};

constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace

bool is_status_page_path(std::string_view path) {
  if (path == "/status") return true;
  for (const auto& f : kPageFiles)
    if (f.path == path) return true;
  return false;
}

void answer_status_page(const std::filesystem::path& root, std::string_view path,
                        http::response<http::string_body>& res) {
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  if (path == "/status") {
    res.result(http::status::permanent_redirect);
    res.set(http::field::location, "/status/");
    res.set(http::field::content_type, "text/plain");
    res.body() = "the status page is at /status/\n";
    return;
  }
  for (const auto& f : kPageFiles) {
    if (f.path != path) continue;
    std::ifstream in(root / f.file, std::ios::binary);
    if (!in) {
      res.result(http::status::not_found);
      res.set(http::field::content_type, "text/plain");
      res.body() = "the status page's files are not installed (looked for " +
                   (root / f.file).string() + ")\n";
      return;
    }
    std::ostringstream body;
    body << in.rdbuf();
    res.result(http::status::ok);
    res.set(http::field::content_type, f.type);
    res.set(http::field::cache_control, "no-cache");
    res.set("Content-Security-Policy", kPagePolicy);
    res.body() = body.str();
    return;
  }
}

void answer_status_json(const std::pair<uint64_t, std::string>& latest,
                        http::response<http::string_body>& res) {
  const bool ready = latest.first > 0;
  res.result(ready ? http::status::ok : http::status::service_unavailable);
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = ready ? latest.second + "\n" : "{\"problems\": [\"no status gathered yet\"]}\n";
}

std::string status_stream_head() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
         "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";
}

std::string status_event(const std::string& json) {
  return "event: status\ndata: " + json + "\n\n";
}

}  // namespace pchat::server
