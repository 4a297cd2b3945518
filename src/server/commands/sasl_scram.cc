#include "server/commands/sasl_scram.h"

#include <sodium.h>

#include <array>

#include "auth/scram.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "server/server.h"
#include "store/accounts.h"

namespace pchat::server {

namespace {

// The key of decoy verifiers (auth::decoy_verifier): random per process, so an
// unknown name shows the same salt on each try to this server.
const std::string& decoy_secret() {
  static const std::string secret = [] {
    std::array<unsigned char, 32> raw{};
    randombytes_buf(raw.data(), raw.size());
    return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
  }();
  return secret;
}

std::string server_nonce() {
  std::array<unsigned char, 18> raw{};
  randombytes_buf(raw.data(), raw.size());
  return auth::base64({reinterpret_cast<const char*>(raw.data()), raw.size()});
}

void fail(Server& srv, Session& s, const ResponsePtr& r, const std::string& why) {
  reset_sasl(s);
  srv.numeric(r, irc::kErrSaslFail,
              {why.empty() ? "SASL authentication failed" : "SASL authentication failed: " + why});
}

void challenge(const ResponsePtr& r, const std::string& message) {
  r->add(irc::Message{{}, "", "AUTHENTICATE", {auth::base64(message)}});
}

// Step 1.
void client_first(Server& srv, Session& s, const ResponsePtr& r, const std::string& message) {
  auto first = auth::parse_client_first(message);
  if (!first) return fail(srv, s, r, first.error().message);
  const std::string key = irc::fold(first->name);
  if (const int64_t secs = srv.sign_in().seconds_to_wait(first->name, s.host()); secs > 0) {
    return fail(srv, s, r, "too many failed attempts, try again in " + std::to_string(secs) + " s");
  }
  s.sasl().busy = true;
  std::weak_ptr<Session> weak = s.weak_from_this();
  auto lookup = [&srv, weak, r, first = *first, key](Result<pg::Connection*> c) mutable {
    Result<store::ScramAccount> found =
        c ? store::scram_account(**c, first.name) : Result<store::ScramAccount>(c.error());
    // `r` is moved, not copied, off the loop: its last reference must end on the loop.
    srv.post([&srv, weak, r = std::move(r), first, key, found = std::move(found)] {
      auto s = weak.lock();
      if (!s || s->closing()) return;
      s->sasl().busy = false;
      if (!found) return fail(srv, *s, r, "the account store is unavailable");
      std::optional<auth::Verifier> v;
      if (!found->verifier.empty()) v = auth::parse_verifier(found->verifier);
      // The account only when its own verifier runs the exchange; a decoy never signs in.
      s->sasl().scram_account = v ? found->display_name : std::string();
      if (!v) v = auth::decoy_verifier(key, decoy_secret());
      s->sasl().scram = std::make_shared<auth::ServerExchange>(first, *v, server_nonce());
      challenge(r, s->sasl().scram->server_first());
    });
  };
  if (!srv.sign_in().pool(srv.readers())->submit(std::move(lookup))) {
    s.sasl().busy = false;
    srv.sign_in().count_busy();
    fail(srv, s, r, "server busy");
  }
}

}  // namespace

void reset_sasl(Session& s) {
  s.sasl().mech.clear();
  s.sasl().buffer.clear();
  s.sasl().scram.reset();
  s.sasl().scram_account.clear();
  s.sasl().scram_verified = false;
}

void sasl_scram(Server& srv, Session& s, const ResponsePtr& r) {
  std::string message;
  if (!s.sasl().buffer.empty()) {
    auto decoded = auth::unbase64(s.sasl().buffer);
    if (!decoded) return fail(srv, s, r, "invalid base64");
    message = std::move(*decoded);
  }
  s.sasl().buffer.clear();
  if (!s.sasl().scram) return client_first(srv, s, r, message);
  if (s.sasl().scram_verified) {
    if (!message.empty()) return fail(srv, s, r, "unexpected message");
    // The client's answer to the server-final message: signed in.
    const std::string account = s.sasl().scram_account;
    srv.sign_in().succeeded(account);
    reset_sasl(s);
    srv.login(s, account, r);
    srv.numeric(r, irc::kRplSaslSuccess, {"SASL authentication successful"});
    srv.registration().try_complete(s);
    return;
  }
  auto final = s.sasl().scram->client_final(message);
  // A wrong proof, or any proof for a decoy, is a failed sign-in for the throttle.
  const bool denied = (!final && final.error().kind == ErrorKind::kDenied) ||
                      (final && s.sasl().scram_account.empty());
  if (denied) {
    srv.sign_in().failed(s.sasl().scram->name(), s.host());
    return fail(srv, s, r, "");
  }
  if (!final) return fail(srv, s, r, final.error().message);
  s.sasl().scram_verified = true;  // waiting for the client's "+"
  challenge(r, *final);
}

}  // namespace pchat::server
