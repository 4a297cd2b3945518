// SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash), the server's half: pure code, no I/O.
//
// The exchange, as a SASL mechanism over IRC's AUTHENTICATE:
//   1. client-first   "n,,n=<name>,r=<client nonce>"   (gs2 header "n" or "y": pchat
//      offers no channel binding; "p=..." is refused)
//   2. server-first   "r=<client nonce><server nonce>,s=<salt>,i=<iterations>"
//   3. client-final   "c=biws,r=<nonce>,p=<proof>"
//   4. server-final   "v=<server signature>", or "e=invalid-proof"
// The server keeps a Verifier per account (never the password): StoredKey = H(ClientKey)
// and ServerKey, from PBKDF2-HMAC-SHA-256(password, salt, iterations), in
// PostgreSQL's text form "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"
// (base64), which is what the store holds.
//
// An unknown name gets a server-first message too, with a salt derived from the name
// and a server secret (decoy_verifier), so that step 2 does not tell which names exist;
// its proof can never verify.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pchat::auth {

// PBKDF2 iterations for new verifiers: RFC 7677 asks for at least 4,096; the client
// pays them at each sign-in (tens of milliseconds), a thief of the store per guess.
inline constexpr int kScramIterations = 100000;

using Key = std::array<uint8_t, 32>;

struct Verifier {
  int iterations = 0;
  std::string salt;  // raw bytes
  Key stored_key{};
  Key server_key{};
};

// The verifier of `password` with a new random 16-byte salt (or `salt` when given:
// tests). kInternal only if the crypto library fails.
Result<Verifier> make_verifier(std::string_view password, int iterations = kScramIterations,
                               std::optional<std::string> salt = std::nullopt);
// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>" and back; nullopt for
// any other text.
std::string to_text(const Verifier& v);
std::optional<Verifier> parse_verifier(std::string_view text);
// A verifier no password matches, whose salt is the same for the same name and
// `secret` (so a second try shows the same salt, as for a real account).
Verifier decoy_verifier(std::string_view name, std::string_view secret);

// The client-first message.
struct ClientFirst {
  std::string name;          // "n=", with =2C / =3D decoded (RFC 5802 saslname)
  std::string client_nonce;  // "r="
  std::string bare;          // the message without its gs2 header (for AuthMessage)
};
// kInvalidInput with the reason for a malformed message, channel binding asked ("p="),
// an authorization identity ("a=") that is not the name, or extensions ("m=").
Result<ClientFirst> parse_client_first(std::string_view message);

// One exchange on the server, between step 1 and step 4.
class ServerExchange {
 public:
  // `server_nonce`: printable, no ',' (random, at least 18 bytes of entropy).
  ServerExchange(ClientFirst first, Verifier verifier, std::string server_nonce);

  // Step 2's message.
  const std::string& server_first() const { return server_first_; }
  // The name the client gave in step 1.
  const std::string& name() const { return first_.name; }
  // Step 3 to 4: the server-final message "v=..." when the proof is right (the name
  // has then proved it knows the password); kDenied ("e=invalid-proof" to send) when
  // it is wrong; kInvalidInput when the message is malformed or its nonce or channel
  // binding does not match this exchange.
  Result<std::string> client_final(std::string_view message) const;

 private:
  ClientFirst first_;
  Verifier verifier_;
  std::string nonce_;  // client nonce + server nonce
  std::string server_first_;
};

// base64 (standard alphabet, padded) of bytes, and back (nullopt if not base64).
std::string base64(std::string_view bytes);
std::optional<std::string> unbase64(std::string_view text);

}  // namespace pchat::auth
