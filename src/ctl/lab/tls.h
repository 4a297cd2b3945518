// `pchatctl lab up --tls`: the lab's own test CA, the one server certificate every
// PostgreSQL cluster and pchatd of the lab presents, and the client certificate of the
// stores' user `pchat` (PostgreSQL `cert` authentication) (docs/lab.md,
// docs/security.md). Made with the OpenSSL library: EC P-256 keys, SHA-256 signatures.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace pchat::ctl {

// The files make_lab_certificates writes in its directory.
struct LabCertificates {
  std::filesystem::path ca_cert;      // ca.pem: the trust anchor (sslrootcert), mode 0644
  std::filesystem::path ca_key;       // ca.key: mode 0600; signs nothing after lab up
  std::filesystem::path server_cert;  // server.pem: CN localhost, SAN localhost, 127.0.0.1, ::1
  std::filesystem::path server_key;   // server.key: mode 0600, owned by whoever ran lab up
  std::filesystem::path client_cert;  // client.pem: CN = the database user, clientAuth
  std::filesystem::path client_key;   // client.key: mode 0600, owned by whoever ran lab up
};

// The paths of the lab certificates in `dir` (whether or not they exist).
LabCertificates lab_certificate_paths(const std::filesystem::path& dir);

// Creates `dir` (mode 0755) and writes a new CA, a server certificate and a client
// certificate (CN `client_cn`) signed by it, valid from an hour ago for `days` days,
// keys mode 0600 owned by the calling user. Refuses to overwrite (kConflict when
// ca.pem exists); kInternal when OpenSSL or the file system fails.
Result<LabCertificates> make_lab_certificates(const std::filesystem::path& dir, int days,
                                              const std::string& client_cn = "pchat");

}  // namespace pchat::ctl
