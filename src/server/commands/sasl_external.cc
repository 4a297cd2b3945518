#include "server/commands/sasl_external.h"

#include <sodium.h>

#include "irc/casemap.h"
#include "irc/numerics.h"
#include "server/commands/sasl_scram.h"
#include "server/server.h"
#include "store/account_certs.h"

namespace pchat::server {

namespace {

void refuse_external(Server& srv, Session& s, const ResponsePtr& r, const std::string& why) {
  reset_sasl(s);
  srv.numeric(r, irc::kErrSaslFail, {"SASL authentication failed: " + why});
}

// Base64 `in` decoded, or nullopt.
std::optional<std::string> decode(const std::string& in) {
  std::string out(in.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                        in.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace

std::string sasl_mechanisms(const ServerConfig& config) {
  return config.irc_tls_listen ? "EXTERNAL,PLAIN,SCRAM-SHA-256" : kSaslMechanisms;
}

void sasl_external_start(Server& srv, Session& s, const ResponsePtr& r) {
  if (s.cert_fingerprint().empty()) {
    return refuse_external(srv, s, r, "EXTERNAL needs a TLS client certificate");
  }
  s.sasl().mech = "EXTERNAL";
  s.sasl().buffer.clear();
  r->add(irc::Message{{}, "", "AUTHENTICATE", {"+"}});
}

void sasl_external(Server& srv, Session& s, const ResponsePtr& r) {
  auto authzid = decode(s.sasl().buffer);
  reset_sasl(s);
  if (!authzid) return refuse_external(srv, s, r, "invalid base64");
  s.sasl().busy = true;
  std::weak_ptr<Session> weak = s.weak_from_this();
  auto lookup = [&srv, weak, r, fp = s.cert_fingerprint(),
                 authzid = *authzid](Result<pg::Connection*> c) mutable {
    Result<std::string> res =
        c ? store::account_for_certificate(**c, fp) : Result<std::string>(c.error());
    // `r` is moved, not copied, off the loop: its last reference must end on the loop.
    srv.post([&srv, weak, r = std::move(r), res = std::move(res), authzid] {
      auto s = weak.lock();
      if (!s || s->closing()) return;
      s->sasl().busy = false;
      if (res && (authzid.empty() || irc::equal_folded(authzid, *res))) {
        srv.login(*s, *res, r);
        srv.numeric(r, irc::kRplSaslSuccess, {"SASL authentication successful"});
      } else if (res) {
        srv.numeric(r, irc::kErrSaslFail,
                    {"SASL authentication failed: the certificate is not " + authzid + "'s"});
      } else if (res.error().kind == ErrorKind::kDenied) {
        srv.numeric(r, irc::kErrSaslFail,
                    {"SASL authentication failed: no account registered this certificate"});
      } else {
        srv.numeric(r, irc::kErrSaslFail,
                    {"SASL authentication failed: the account store is unavailable"});
      }
      srv.registration().try_complete(*s);
    });
  };
  if (!srv.sign_in().pool(srv.readers())->submit(std::move(lookup))) {
    s.sasl().busy = false;
    srv.sign_in().count_busy();
    srv.numeric(r, irc::kErrSaslFail, {"SASL authentication failed: server busy"});
  }
}

}  // namespace pchat::server
