// IRC over WebSocket (the IRCv3 websocket specification): a MessageLink
// (server/link.h) over a Boost.Beast websocket stream whose handshake is done, so
// that a WebSocket client is a Session like any other (every capability, flood
// limit and registration rule applies unchanged).
//
// - One IRC line per message, without CR or LF: a read gives the message's payload
//   followed by CRLF (trailing CR/LF the client added anyway are dropped); a message
//   with CR or LF inside closes the connection (1008, policy). A message longer than
//   kMaxWebSocketMessage closes it (1009, too big); a shorter line over IRC's limit
//   reaches Session, which answers 417 as on TCP.
// - `text` (text.ircv3.net, and the default when no subprotocol was offered): this
//   side sends text messages, each valid UTF-8 (invalid bytes become U+FFFD); a text
//   message from the client that is not valid UTF-8 closes the connection (1007, as
//   RFC 6455 says). Binary messages from the client are accepted on both (the bytes
//   go to Session, which refuses non-UTF-8 lines with FAIL INVALID_UTF8).
//   Otherwise (binary.ircv3.net) this side sends binary messages.
// - No WebSocket timeouts or pings of its own: Session's PING and its close grace
//   bound everything, as on TCP.
//
// Threading: on the event loop, like its Session.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include <cstddef>
#include <memory>

#include "server/link.h"

namespace pchat::server {

// The largest message read (64 KiB); larger ones close the connection.
inline constexpr std::size_t kMaxWebSocketMessage = 64 * 1024;

using WsStream = boost::beast::websocket::stream<boost::beast::tcp_stream>;
using WssStream =
    boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

// The link of an accepted WebSocket (ws://); `text`: as above.
std::unique_ptr<MessageLink> make_web_link(WsStream ws, bool text);
// The same over TLS (wss://); `context` is kept alive with the connection.
std::unique_ptr<MessageLink> make_web_link(WssStream ws, bool text,
                                           std::shared_ptr<boost::asio::ssl::context> context);

}  // namespace pchat::server
