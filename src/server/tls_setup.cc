#include "server/tls_setup.h"

#include <spdlog/spdlog.h>

namespace pchat::server {

void add_tls_flags(CLI::App& app, TlsFlags& f) {
  app.add_option("--irc-tls-listen", f.irc_tls_listen,
                 "IRC TLS listener HOST:PORT (6697 by convention; default: off); needs "
                 "--tls-cert and --tls-key");
  app.add_option("--tls-cert", f.cert_file,
                 "TLS certificate chain file (PEM, server certificate first), read again on "
                 "SIGHUP");
  app.add_option("--tls-key", f.key_file, "TLS private key file (PEM), read again on SIGHUP");
  app.add_option("--sts-duration", f.sts_duration,
                 "Seconds clients keep the IRCv3 STS policy (default 2592000: 30 days)")
      ->check(CLI::Range(0, 400 * 86400));
  app.add_flag("--http-tls", f.http_tls, "Serve the admin API over HTTPS (same certificate)");
  app.add_flag("--files-tls", f.files_tls, "Serve the file host over HTTPS (same certificate)");
  app.add_flag("--web-tls", f.web_tls,
               "Serve the web listener over HTTPS and WSS (same certificate)");
}

void apply_tls_flags(const CLI::App& app, const TlsFlags& f, ServerConfig& c) {
  auto given = [&](const char* name) { return app.count(name) > 0; };
  if (given("--irc-tls-listen")) {
    c.irc_tls_listen = parse_optional_endpoint(f.irc_tls_listen, "--irc-tls-listen");
  }
  if (given("--tls-cert")) c.tls_cert_file = f.cert_file;
  if (given("--tls-key")) c.tls_key_file = f.key_file;
  if (given("--sts-duration")) c.sts_duration = f.sts_duration;
  if (given("--http-tls")) c.http_tls = f.http_tls;
  if (given("--files-tls")) c.files_tls = f.files_tls;
  if (given("--web-tls")) c.web_tls = f.web_tls;
  check_tls(c);
}

std::function<void()> tls_reloader(TlsCredentials& tls, std::function<TlsFiles()> files) {
  return [&tls, files = std::move(files)] {
    const std::string error = tls.reload(files());
    if (error.empty()) {
      spdlog::info("SIGHUP: TLS certificate reloaded for new connections: {}", tls.describe());
    } else {
      spdlog::error("SIGHUP: TLS certificate not reloaded, the one in force stays: {}", error);
    }
  };
}

}  // namespace pchat::server
