#include "server/sign_in.h"

#include "directory/sign_in.h"
#include "irc/casemap.h"

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

Result<std::string> SignIn::check(pg::Connection& conn, const std::string& name,
                                  const std::string& password) const {
  return directory::authenticate(conn, directory_, name, password);
}

int64_t SignIn::seconds_to_wait(const std::string& name, const std::string& address) {
  const auto wait = throttle_.wait(irc::fold(name), address, SignInThrottle::Clock::now());
  if (wait <= SignInThrottle::Clock::duration::zero()) return 0;
  throttled_.inc();
  return std::chrono::ceil<std::chrono::seconds>(wait).count();
}

void SignIn::succeeded(const std::string& name) {
  throttle_.succeeded(irc::fold(name));
  ok_.inc();
}

void SignIn::failed(const std::string& name, const std::string& address) {
  throttle_.failed(irc::fold(name), address, SignInThrottle::Clock::now());
  failed_.inc();
}

}  // namespace pchat::server
