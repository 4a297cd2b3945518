#include "server/sign_in.h"

namespace pchat::server {

SignIn::SignIn(MetricsRegistry& metrics, SignInThrottle::Limits limits)
    : throttle_(limits),
      ok_(metrics.counter("pchat_sign_ins_total", "successful password sign-ins (SASL PLAIN)")),
      failed_(metrics.counter("pchat_sign_in_failures_total",
                              "password sign-ins refused: unknown name or wrong password")),
      throttled_(metrics.counter("pchat_sign_ins_throttled_total",
                                 "sign-ins refused unchecked: too many recent failures for the "
                                 "name or the client address")),
      busy_(metrics.counter("pchat_sign_ins_busy_total",
                            "sign-ins refused: the password-check queue was full")) {}

}  // namespace pchat::server
