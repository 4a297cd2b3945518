// A client connection's byte stream: plain TCP, TLS or WebSocket, behind one small
// interface so that Session (and its hot path) is the same code for all three.
//
// Plain TCP costs two pointer tests per read and write; TLS goes through
// ssl::stream (one read and one write may be in flight at once, as on a socket).
// WebSocket (IRCv3 websocket, server/web_link.h) goes through a MessageLink: reads
// give each message's payload followed by CRLF, a write sends each CRLF-ended line
// of its buffer as one message.
// A TLS Link is made after its handshake (Server::on_tls_accept) and keeps the
// context it was made with alive (server/tls.h: a reload gives new connections a
// new context; this one stays valid).
//
// Threading: on the event loop, like its Session.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <functional>
#include <memory>
#include <string>

namespace pchat::server {

// A connection whose transport carries one IRC line per message (WebSocket). One
// read and one write may be in flight at once; completions run on the event loop.
class MessageLink {
 public:
  using Done = std::function<void(boost::system::error_code, size_t)>;
  virtual ~MessageLink() = default;
  virtual boost::asio::ip::tcp::socket& socket() = 0;
  virtual bool is_tls() const = 0;
  // Copies the next bytes of the current message (its payload, then CRLF) into
  // `into`, reading the next message when none is left. The peer's close ends with
  // asio::error::eof.
  virtual void read_some(boost::asio::mutable_buffer into, Done done) = 0;
  // Sends each line of `lines` (CRLF-ended) as one message; `lines` stays valid until
  // `done`, which gets the whole size.
  virtual void write(boost::asio::const_buffer lines, Done done) = 0;
  // The closing handshake, then the socket is closed; `keep` lives until then.
  virtual void finish(std::shared_ptr<void> keep) = 0;
};

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

  // A WebSocket connection whose handshake is done (server/web_link.h).
  Link(std::unique_ptr<MessageLink> messages, std::string fingerprint)
      : plain_(messages->socket().get_executor()),
        messages_(std::move(messages)),
        fingerprint_(std::move(fingerprint)) {}

  bool is_tls() const { return tls_ != nullptr || (messages_ && messages_->is_tls()); }
  bool is_websocket() const { return messages_ != nullptr; }
  // The client certificate's fingerprint; "" on plain TCP or without one.
  const std::string& client_fingerprint() const { return fingerprint_; }
  // The TCP socket underneath (addresses, options, is_open).
  boost::asio::ip::tcp::socket& socket() {
    if (messages_) [[unlikely]]
      return messages_->socket();
    return tls_ ? tls_->next_layer() : plain_;
  }

  // `buffers`: one buffer (asio::buffer of an array or string).
  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    if (messages_) [[unlikely]]
      return initiate_messages(
          [](MessageLink& m, boost::asio::mutable_buffer b, MessageLink::Done d) {
            m.read_some(b, std::move(d));
          },
          boost::asio::mutable_buffer(*boost::asio::buffer_sequence_begin(buffers)), token);
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return plain_.async_read_some(buffers, std::forward<Token>(token));
  }
  // Writes all of `buffers` (asio::async_write); one buffer.
  template <typename Buffers, typename Token>
  auto async_write(const Buffers& buffers, Token&& token) {
    if (messages_) [[unlikely]]
      return initiate_messages(
          [](MessageLink& m, boost::asio::const_buffer b, MessageLink::Done d) {
            m.write(b, std::move(d));
          },
          boost::asio::const_buffer(*boost::asio::buffer_sequence_begin(buffers)), token);
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
    if (messages_) {
      messages_->finish(std::move(keep));
      return;
    }
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
  // An operation of the MessageLink as an asio operation of `token`'s kind (its
  // handler is move-only for coroutines: kept behind a shared_ptr).
  template <typename Op, typename Buffer, typename Token>
  auto initiate_messages(Op op, Buffer buffer, Token& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this, op, buffer](auto handler) {
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          op(*messages_, buffer, [h](boost::system::error_code ec, size_t n) { (*h)(ec, n); });
        },
        token);
  }

  boost::asio::ip::tcp::socket plain_;  // unused (never opened) for TLS and WebSocket
  std::unique_ptr<MessageLink> messages_;
  std::unique_ptr<TlsStream> tls_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::string fingerprint_;
};

}  // namespace pchat::server
