#include "dr/monitor/http_client.h"

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "dr/host_port.h"

namespace pchat::dr {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<HttpReply> http_call(const std::string& method, const std::string& host, uint16_t port,
                            const std::string& path, const std::string& body, int timeout_ms,
                            const std::string& admin_token) {
  // A server listening on every address is reached on this machine's loopback.
  const std::string to = host == "*" || host == "0.0.0.0" || host.empty() ? "127.0.0.1"
                         : host == "::"                                   ? "::1"
                                                                          : host;
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::response<http::string_body> res;
  beast::flat_buffer buf;
  http::request<http::string_body> req{http::string_to_verb(method), path, 11};
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  req.set(http::field::host, HostPort{to, port}.to_string());
  req.set(http::field::user_agent, "pchat");
  if (!admin_token.empty()) req.set(http::field::authorization, "Bearer " + admin_token);
  boost::system::error_code failure;
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  asio::ip::tcp::resolver resolver(io);
  resolver.async_resolve(to, std::to_string(port), [&](auto ec, auto results) {
    if (ec) {
      failure = ec;
      return;
    }
    stream.async_connect(results, [&](auto ec2, auto) {
      if (ec2) {
        failure = ec2;
        return;
      }
      http::async_write(stream, req, [&](auto ec3, auto) {
        if (ec3) {
          failure = ec3;
          return;
        }
        http::async_read(stream, buf, res, [&](auto ec4, auto) { failure = ec4; });
      });
    });
  });
  io.run();
  if (failure) return make_error(ErrorKind::kUnavailable, failure.message());
  return HttpReply{static_cast<int>(res.result_int()), res.body()};
}

}  // namespace pchat::dr
