// A client connection's byte stream: plain TCP or TLS, behind one small interface
// so that Session (and its hot path) is the same code for both.
//
// Plain TCP costs one pointer test per read and write; TLS goes through
// ssl::stream (one read and one write may be in flight at once, as on a socket).
// A TLS Link is made after its handshake (Server::on_tls_accept) and keeps the
// context it was made with alive (server/tls.h: a reload gives new connections a
// new context; this one stays valid).
//
// Threading: on the event loop, like its Session.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <memory>
#include <string>

namespace pchat::server {

class Link {
 public:
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  explicit Link(boost::asio::ip::tcp::socket plain) : plain_(std::move(plain)) {}
  // A TLS connection whose handshake is done. `fingerprint`: the client
  // certificate's SHA-256 (server/tls.h), "" when it sent none.
  Link(std::unique_ptr<TlsStream> tls, std::shared_ptr<boost::asio::ssl::context> context,
       std::string fingerprint)
      : plain_(tls->get_executor()),
        tls_(std::move(tls)),
        context_(std::move(context)),
        fingerprint_(std::move(fingerprint)) {}

  bool is_tls() const { return tls_ != nullptr; }
  // The client certificate's fingerprint; "" on plain TCP or without one.
  const std::string& client_fingerprint() const { return fingerprint_; }
  // The TCP socket underneath (addresses, options, is_open).
  boost::asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return plain_.async_read_some(buffers, std::forward<Token>(token));
  }
  // Writes all of `buffers` (asio::async_write).
  template <typename Buffers, typename Token>
  auto async_write(const Buffers& buffers, Token&& token) {
    if (tls_) return boost::asio::async_write(*tls_, buffers, std::forward<Token>(token));
    return boost::asio::async_write(plain_, buffers, std::forward<Token>(token));
  }

  // Ends the connection after the last write: plain TCP shuts down and closes at
  // once; TLS cancels the pending read, sends close_notify and closes when the peer
  // answers or goes (the caller bounds the wait by closing the socket). `keep`
  // keeps the owner alive until then.
  template <typename Keep>
  void finish(Keep keep) {
    boost::system::error_code ignored;
    if (!tls_) {
      plain_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      plain_.close(ignored);
      return;
    }
    tls_->next_layer().cancel(ignored);
    tls_->async_shutdown([this, keep](boost::system::error_code) {
      (void)keep;
      boost::system::error_code ignored;
      socket().close(ignored);
    });
  }
  // Closes the socket now (no close_notify).
  void close() {
    boost::system::error_code ignored;
    socket().close(ignored);
  }

 private:
  boost::asio::ip::tcp::socket plain_;  // unused (never opened) for TLS
  std::unique_ptr<TlsStream> tls_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::string fingerprint_;
};

}  // namespace pchat::server
