#include "server/listener.h"

#include <gtest/gtest.h>

#include <string>

namespace pchat::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

tcp::endpoint at(const char* address, uint16_t port = 0) {
  return tcp::endpoint(asio::ip::make_address(address), port);
}

bool ipv6_loopback_usable() {
  asio::io_context io;
  tcp::acceptor a(io);
  boost::system::error_code ec;
  a.open(tcp::v6(), ec);
  if (!ec) a.bind(at("::1"), ec);
  return !ec;
}

std::string listen_error(Listener& l, const Endpoint& ep, const ListenAddresses& plan) {
  try {
    l.listen(ep, plan);
  } catch (const ListenError& e) {
    return e.what();
  }
  return "";
}

TEST(Listener, AcceptsOnEveryAddressWithOnePort) {
  asio::io_context io;
  int accepted = 0;
  Listener l(io, "test", [&](tcp::socket) { ++accepted; });
  ListenAddresses plan{{at("127.0.0.1")}, true};
  const bool v6 = ipv6_loopback_usable();
  if (v6) plan.addresses.push_back(at("::1"));
  auto bound = l.listen({"localhost", 0}, plan);
  ASSERT_EQ(bound.size(), plan.addresses.size());
  ASSERT_NE(l.port(), 0);
  for (const auto& b : bound) EXPECT_EQ(b.port(), l.port()) << format_addresses(bound);
  for (const auto& b : bound) {
    tcp::socket c(io);
    c.connect(b);
    const int before = accepted;
    for (int i = 0; i < 200 && accepted == before; ++i) io.run_for(std::chrono::milliseconds(10));
    EXPECT_EQ(accepted, before + 1) << format_address(b);
  }
  l.stop();
}

TEST(Listener, NameSkipsAnAddressNotOfThisMachine) {
  asio::io_context io;
  Listener l(io, "test", [](tcp::socket) {});
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: EADDRNOTAVAIL.
  auto bound = l.listen({"pchat.example", 0}, {{at("192.0.2.1"), at("127.0.0.1")}, true});
  ASSERT_EQ(bound.size(), 1u);
  EXPECT_EQ(bound[0].address().to_string(), "127.0.0.1");
  l.stop();
}

TEST(Listener, FailuresNameTheAddressAndTheReason) {
  asio::io_context io;
  Listener squatter(io, "test", [](tcp::socket) {});
  squatter.listen({"127.0.0.1", 0});
  const uint16_t port = squatter.port();
  Listener l(io, "test", [](tcp::socket) {});
  const std::string p = std::to_string(port);
  EXPECT_EQ(listen_error(l, {"127.0.0.1", port}, {{at("127.0.0.1", port)}, false}),
            "cannot listen on 127.0.0.1:" + p + ": Address already in use");
  // A name: which of its addresses failed; nothing stays open.
  EXPECT_EQ(listen_error(l, {"localhost", port}, {{at("127.0.0.1", port)}, true}),
            "cannot listen on localhost:" + p + " (127.0.0.1:" + p + "): Address already in use");
  // A literal address that is not the machine's own is not skipped.
  EXPECT_NE(listen_error(l, {"192.0.2.1", 1}, {{at("192.0.2.1", 1)}, false})
                .find("cannot listen on 192.0.2.1:1: Cannot assign requested address"),
            std::string::npos);
  EXPECT_NE(listen_error(l, {"pchat.example", 1}, {{at("192.0.2.1", 1)}, true})
                .find("no address could be bound"),
            std::string::npos);
  EXPECT_EQ(l.port(), 0);
  squatter.stop();
}

}  // namespace
}  // namespace pchat::server
