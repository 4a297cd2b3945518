#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace pchat::server {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2: ECDHE with AEAD only (TLS 1.3 suites are OpenSSL's, all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The client certificate is accepted whoever issued it: its fingerprint is what a
// sign-in checks (SASL EXTERNAL), not a CA.
int accept_any_client_certificate(int, X509_STORE_CTX*) {
  return 1;
}

std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  std::string why =
      e != 0 ? ERR_reason_error_string(e) != nullptr ? ERR_reason_error_string(e) : "OpenSSL error"
             : "unknown error";
  ERR_clear_error();
  return why;
}

std::string hex(const unsigned char* p, unsigned n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

}  // namespace

std::shared_ptr<ssl::context> make_server_context(const TlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* h = ctx->native_handle();
  SSL_CTX_set_min_proto_version(h, TLS1_2_VERSION);
  SSL_CTX_set_options(
      h, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(h, kTls12Ciphers) != 1) {
    throw std::runtime_error("TLS: cipher list refused: " + openssl_reason());
  }
  if (SSL_CTX_use_certificate_chain_file(h, files.cert_file.c_str()) != 1) {
    throw std::runtime_error("TLS: cannot load certificate chain " + files.cert_file.string() +
                             ": " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(h, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("TLS: cannot load private key " + files.key_file.string() + ": " +
                             openssl_reason());
  }
  if (SSL_CTX_check_private_key(h) != 1) {
    throw std::runtime_error("TLS: private key " + files.key_file.string() +
                             " does not match certificate " + files.cert_file.string());
  }
  SSL_CTX_set_verify(h, SSL_VERIFY_PEER, accept_any_client_certificate);
  // Resumed sessions with client certificates need a session id context.
  static const unsigned char kSidContext[] = "pchat";
  SSL_CTX_set_session_id_context(h, kSidContext, sizeof kSidContext - 1);
  return ctx;
}

std::string certificate_fingerprint(X509* cert) {
  if (cert == nullptr) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return "";
  return hex(md, n);
}

std::string peer_fingerprint(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  std::string fp = certificate_fingerprint(cert);
  X509_free(cert);
  return fp;
}

boost::asio::awaitable<boost::system::error_code> tls_accept(
    ssl::stream<boost::asio::ip::tcp::socket>& stream,
    std::chrono::steady_clock::duration timeout) {
  namespace asio = boost::asio;
  asio::steady_timer deadline(stream.get_executor());
  deadline.expires_after(timeout);
  deadline.async_wait([&stream](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the handshake ended first
    boost::system::error_code ignored;
    stream.next_layer().close(ignored);
  });
  boost::system::error_code ec;
  co_await stream.async_handshake(ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  deadline.cancel();
  co_return ec;
}

TlsCredentials::TlsCredentials(TlsFiles files)
    : files_(std::move(files)), context_(make_server_context(files_)) {}

std::string TlsCredentials::reload(const TlsFiles& files) {
  try {
    context_ = make_server_context(files);
    files_ = files;
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::string TlsCredentials::describe() const {
  X509* cert = SSL_CTX_get0_certificate(context_->native_handle());
  if (cert == nullptr) return "no certificate";
  char subject[256] = {0};
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  std::string expires = "?";
  if (BIO* b = BIO_new(BIO_s_mem())) {
    if (ASN1_TIME_print(b, X509_get0_notAfter(cert)) == 1) {
      char* data = nullptr;
      long len = BIO_get_mem_data(b, &data);
      expires.assign(data, static_cast<size_t>(len));
    }
    BIO_free(b);
  }
  return std::string(subject) + ", expires " + expires + ", sha256 " +
         certificate_fingerprint(cert);
}

}  // namespace pchat::server
