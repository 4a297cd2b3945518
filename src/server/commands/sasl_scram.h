// SASL SCRAM-SHA-256 over AUTHENTICATE (auth/scram.h has the exchange itself).
#pragma once

#include "server/response.h"

namespace pchat::server {

class Server;
class Session;

// The mechanisms pchat offers, for the `sasl` capability's value and RPL_SASLMECHS
// (EXTERNAL too when there is a TLS listener: sasl_mechanisms in sasl_external.h).
inline constexpr const char* kSaslMechanisms = "PLAIN,SCRAM-SHA-256";

// Runs the next step of `s`'s SCRAM exchange with the message now complete in
// s.sasl().buffer (already joined from its 400-byte chunks; base64, or empty for "+"):
//   step 1, client-first: the throttle (server/sign_in.h) is asked, the account's
//     verifier read on the sign-in pool (a decoy for an unknown name), and the
//     server-first message sent as an AUTHENTICATE challenge;
//   step 3, client-final: the proof is checked on the loop (cheap: two HMACs and a
//     hash); right: the server-final message goes out as a challenge; wrong: 904 and
//     a failure for the throttle;
//   the client's empty answer to the server-final message: 903, signed in.
// Any malformed message ends the exchange with 904.
void sasl_scram(Server& srv, Session& s, const ResponsePtr& r);

// Forgets any SASL exchange of `s` (abort, failure, success).
void reset_sasl(Session& s);

}  // namespace pchat::server
