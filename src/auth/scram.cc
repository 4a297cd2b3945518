#include "auth/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <charconv>
#include <vector>

namespace pchat::auth {

namespace {

constexpr std::string_view kPrefix = "SCRAM-SHA-256$";

Key hmac(const Key& key, std::string_view data) {
  Key out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

Key hmac(std::string_view key, std::string_view data) {
  Key out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

Key sha256(const Key& data) {
  Key out{};
  SHA256(data.data(), data.size(), out.data());
  return out;
}

std::string_view view(const Key& k) {
  return {reinterpret_cast<const char*>(k.data()), k.size()};
}

std::optional<Key> key_from_base64(std::string_view text) {
  auto raw = unbase64(text);
  if (!raw || raw->size() != Key{}.size()) return std::nullopt;
  Key k{};
  std::copy(raw->begin(), raw->end(), k.begin());
  return k;
}

// The attributes of a SCRAM message "a=...,b=...", in order; nullopt if malformed.
std::optional<std::vector<std::pair<char, std::string_view>>> attributes(std::string_view m) {
  std::vector<std::pair<char, std::string_view>> out;
  while (!m.empty()) {
    size_t comma = m.find(',');
    std::string_view part = m.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') return std::nullopt;
    out.emplace_back(part[0], part.substr(2));
    if (comma == std::string_view::npos) break;
    m.remove_prefix(comma + 1);
    if (m.empty()) return std::nullopt;  // a trailing comma
  }
  return out;
}

// RFC 5802 saslname: "=2C" is ',', "=3D" is '='; any other '=' is an error.
std::optional<std::string> decode_saslname(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
    } else if (s.substr(i, 3) == "=2C") {
      out += ',';
      i += 2;
    } else if (s.substr(i, 3) == "=3D") {
      out += '=';
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

Error invalid(const std::string& why) {
  return make_error(ErrorKind::kInvalidInput, why);
}

}  // namespace

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

Result<Verifier> make_verifier(std::string_view password, int iterations,
                               std::optional<std::string> salt) {
  Verifier v;
  v.iterations = iterations;
  if (salt) {
    v.salt = *salt;
  } else {
    v.salt.assign(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(v.salt.data()), 16) != 1) {
      return make_error(ErrorKind::kInternal, "no random bytes for a SCRAM salt");
    }
  }
  Key salted{};
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(v.salt.data()),
                        static_cast<int>(v.salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(salted.size()), salted.data()) != 1) {
    return make_error(ErrorKind::kInternal, "PBKDF2 failed");
  }
  v.stored_key = sha256(hmac(salted, "Client Key"));
  v.server_key = hmac(salted, "Server Key");
  OPENSSL_cleanse(salted.data(), salted.size());
  return v;
}

std::string to_text(const Verifier& v) {
  return std::string(kPrefix) + std::to_string(v.iterations) + ":" + base64(v.salt) + "$" +
         base64(view(v.stored_key)) + ":" + base64(view(v.server_key));
}

std::optional<Verifier> parse_verifier(std::string_view text) {
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  size_t colon1 = text.find(':'), dollar = text.find('$'), colon2 = text.rfind(':');
  if (colon1 == std::string_view::npos || dollar == std::string_view::npos || colon1 > dollar ||
      colon2 < dollar) {
    return std::nullopt;
  }
  Verifier v;
  auto it = text.substr(0, colon1);
  if (std::from_chars(it.data(), it.data() + it.size(), v.iterations).ptr !=
          it.data() + it.size() ||
      v.iterations < 1) {
    return std::nullopt;
  }
  auto salt = unbase64(text.substr(colon1 + 1, dollar - colon1 - 1));
  auto stored = key_from_base64(text.substr(dollar + 1, colon2 - dollar - 1));
  auto server = key_from_base64(text.substr(colon2 + 1));
  if (!salt || salt->empty() || !stored || !server) return std::nullopt;
  v.salt = *salt;
  v.stored_key = *stored;
  v.server_key = *server;
  return v;
}

Verifier decoy_verifier(std::string_view name, std::string_view secret) {
  Verifier v;
  v.iterations = kScramIterations;
  Key salt = hmac(secret, std::string("salt:") + std::string(name));
  v.salt.assign(reinterpret_cast<const char*>(salt.data()), 16);
  v.stored_key = hmac(secret, std::string("stored:") + std::string(name));
  v.server_key = hmac(secret, std::string("server:") + std::string(name));
  return v;
}

Result<ClientFirst> parse_client_first(std::string_view message) {
  // gs2-header: ("n" | "y" | "p=...") "," [ "a=" saslname ] ","
  if (message.starts_with("p=")) return invalid("channel binding is not offered");
  if (!message.starts_with("n,") && !message.starts_with("y,")) {
    return invalid("a client-first message starts with n, or y,");
  }
  size_t second = message.find(',', 2);
  if (second == std::string_view::npos) return invalid("no gs2 header");
  std::string_view authzid = message.substr(2, second - 2);
  ClientFirst f;
  f.bare = std::string(message.substr(second + 1));
  auto attrs = attributes(f.bare);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].first != 'n' || (*attrs)[1].first != 'r') {
    if (attrs && !attrs->empty() && (*attrs)[0].first == 'm') {
      return invalid("mandatory extensions are not supported");
    }
    return invalid("a client-first message is n=NAME,r=NONCE");
  }
  auto name = decode_saslname((*attrs)[0].second);
  if (!name || name->empty()) return invalid("bad user name");
  f.name = *name;
  f.client_nonce = std::string((*attrs)[1].second);
  if (f.client_nonce.empty()) return invalid("empty nonce");
  for (char c : f.client_nonce) {
    if (c < 0x21 || c > 0x7e || c == ',') return invalid("bad nonce");
  }
  if (!authzid.empty()) {
    if (!authzid.starts_with("a=")) return invalid("bad authorization identity");
    auto a = decode_saslname(authzid.substr(2));
    if (!a || *a != f.name) return invalid("the authorization identity differs from the name");
  }
  return f;
}

ServerExchange::ServerExchange(ClientFirst first, Verifier verifier, std::string server_nonce)
    : first_(std::move(first)), verifier_(std::move(verifier)) {
  nonce_ = first_.client_nonce + server_nonce;
  server_first_ =
      "r=" + nonce_ + ",s=" + base64(verifier_.salt) + ",i=" + std::to_string(verifier_.iterations);
}

Result<std::string> ServerExchange::client_final(std::string_view message) const {
  size_t proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) return invalid("no proof");
  std::string_view without_proof = message.substr(0, proof_at);
  auto attrs = attributes(without_proof);
  if (!attrs || attrs->size() < 2 || (*attrs)[0].first != 'c' || (*attrs)[1].first != 'r') {
    return invalid("a client-final message is c=...,r=...,p=...");
  }
  // Without channel binding, c= is the base64 of the gs2 header: "n,," or "y,,".
  auto binding = unbase64((*attrs)[0].second);
  if (!binding || (*binding != "n,," && *binding != "y,," && !binding->starts_with("n,a=") &&
                   !binding->starts_with("y,a="))) {
    return invalid("channel binding does not match");
  }
  if ((*attrs)[1].second != nonce_) return invalid("the nonce does not match");
  auto proof = key_from_base64(message.substr(proof_at + 3));
  if (!proof) return invalid("bad proof");
  const std::string auth_message =
      first_.bare + "," + server_first_ + "," + std::string(without_proof);
  const Key client_signature = hmac(verifier_.stored_key, auth_message);
  Key client_key{};
  for (size_t i = 0; i < client_key.size(); ++i) client_key[i] = (*proof)[i] ^ client_signature[i];
  const Key stored = sha256(client_key);
  if (CRYPTO_memcmp(stored.data(), verifier_.stored_key.data(), stored.size()) != 0) {
    return make_error(ErrorKind::kDenied, "e=invalid-proof");
  }
  return "v=" + base64(view(hmac(verifier_.server_key, auth_message)));
}

}  // namespace pchat::auth
