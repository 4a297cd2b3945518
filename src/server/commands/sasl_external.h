// SASL EXTERNAL over AUTHENTICATE: signs in with the TLS client certificate
// (server/tls.h). The account is the one that registered the certificate's SHA-256
// fingerprint (store/account_certs.h, `pchatctl user cert add`). Who may: a client
// on the TLS listener that presented a certificate; anyone else, or a certificate no
// account registered, gets 904.
#pragma once

#include <string>

#include "server/response.h"

namespace pchat::server {

class Server;
class Session;
struct ServerConfig;

// The `sasl` capability's value and RPL_SASLMECHS: EXTERNAL first when the server
// has a TLS listener.
std::string sasl_mechanisms(const ServerConfig& config);

// Starts EXTERNAL when AUTHENTICATE EXTERNAL arrives: 904 at once without a client
// certificate, else the empty challenge ("AUTHENTICATE +").
void sasl_external_start(Server& srv, Session& s, const ResponsePtr& r);

// The client's answer is complete in s.sasl().buffer (base64 authorization identity,
// empty for "+"): the fingerprint's account is looked up on the sign-in pool; 900 and
// 903 when it names one (and the authorization identity, if any, is that account),
// else 904; then registration goes on.
void sasl_external(Server& srv, Session& s, const ResponsePtr& r);

}  // namespace pchat::server
