// pchatd's TLS flags and their SIGHUP reload (server/tls.h has the TLS itself).
//   --irc-tls-listen HOST:PORT   irc_tls_listen   (IRC over TLS; 6697 by convention)
//   --tls-cert FILE              tls_cert_file    (PEM chain, leaf first)
//   --tls-key FILE               tls_key_file     (PEM key)
//   --sts-duration SECONDS       sts_duration
//   --http-tls, --files-tls, --web-tls   http_tls, files_tls, web_tls (HTTPS for the
//                                admin API, the file host, the web listener)
// `--irc-listen off` turns the plaintext IRC listener off.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "server/config.h"
#include "server/tls.h"

namespace pchat::server {

struct TlsFlags {
  std::string irc_tls_listen, cert_file, key_file;
  int sts_duration = 0;
  bool http_tls = false, files_tls = false, web_tls = false;
};

// Declares the flags above on `app`, storing into `flags`.
void add_tls_flags(CLI::App& app, TlsFlags& flags);
// Copies the flags given on the command line into `config` (they win over the
// file), then checks the TLS keys together (check_tls). Throws std::invalid_argument.
void apply_tls_flags(const CLI::App& app, const TlsFlags& flags, ServerConfig& config);

// The SIGHUP hook: loads the certificate files `files()` names (the configuration
// just reloaded) into a new context for new connections, and logs the certificate
// now served, or why the old one stays.
std::function<void()> tls_reloader(TlsCredentials& tls, std::function<TlsFiles()> files);

}  // namespace pchat::server
