// TLS for pchatd's listeners (IRC on irc_tls_listen, and the admin API and the file
// host when http_tls / files_tls are on): OpenSSL through Boost.Asio.
//
// The context: TLS 1.2 and 1.3 only; for 1.2, ECDHE key exchange with AEAD ciphers
// only (forward secrecy; no CBC, RC4, 3DES, RSA key exchange); 1.3 keeps OpenSSL's
// suites. The certificate file is PEM: the server's certificate first, then the
// intermediates (a chain); the key file is PEM (not encrypted). Client certificates
// are asked for but not required and not checked against any CA: an IRC client's
// certificate is usually self-signed, and what counts is its SHA-256 fingerprint,
// which an account registers for SASL EXTERNAL (docs/security.md).
//
// Reload (SIGHUP): TlsCredentials::reload builds a new context from the files; new
// connections use it, every connection already open keeps the context it started
// with (it holds a reference), so nobody is dropped. A file that no longer loads
// leaves the context in force and says why.
//
// Threading: TlsCredentials lives on the event loop (accept and SIGHUP run there).
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace pchat::server {

struct TlsFiles {
  std::filesystem::path cert_file;  // PEM chain: leaf first
  std::filesystem::path key_file;   // PEM private key
  friend bool operator==(const TlsFiles&, const TlsFiles&) = default;
};

// Builds a server context as described above. Throws std::runtime_error naming the
// file and OpenSSL's reason (unreadable, not PEM, key not matching the certificate).
std::shared_ptr<boost::asio::ssl::context> make_server_context(const TlsFiles& files);

// SHA-256 of the certificate's DER encoding, 64 lowercase hex digits.
std::string certificate_fingerprint(X509* cert);
// The fingerprint of the certificate the peer of `ssl` presented; "" when none.
std::string peer_fingerprint(SSL* ssl);

// The server side of a handshake on `stream`, whose socket is closed if it takes
// longer than `timeout` (a client that connects and says nothing). Returns the
// handshake's error (none: done).
boost::asio::awaitable<boost::system::error_code> tls_accept(
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& stream,
    std::chrono::steady_clock::duration timeout);

class TlsCredentials {
 public:
  // Loads the files. Throws as make_server_context.
  explicit TlsCredentials(TlsFiles files);
  // The context for the next connection.
  std::shared_ptr<boost::asio::ssl::context> current() const { return context_; }
  const TlsFiles& files() const { return files_; }
  // Loads `files` into a new context that replaces the current one for new
  // connections. On failure nothing changes and the reason is returned; "" on success.
  std::string reload(const TlsFiles& files);
  // "subject CN=..., expires ..., sha256 ..." of the certificate in force, for logs.
  std::string describe() const;

 private:
  TlsFiles files_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

}  // namespace pchat::server
