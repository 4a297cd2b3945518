#include "ctl/lab/tls.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

namespace pchat::ctl {

namespace fs = std::filesystem;

namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

Error ssl_error(const std::string& what) {
  return make_error(ErrorKind::kInternal, "lab certificates: " + what + " failed (OpenSSL)");
}

// Writes `pem` (a callback writing to a FILE*) to `path`, created with `mode`.
template <typename Write>
Status write_pem(const fs::path& path, mode_t mode, Write write) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return make_error(ErrorKind::kInternal, "cannot create " + path.string());
  fchmod(fd, mode);  // whatever the umask
  FILE* f = fdopen(fd, "w");
  if (f == nullptr) {
    close(fd);
    return make_error(ErrorKind::kInternal, "cannot write " + path.string());
  }
  bool ok = write(f) == 1;
  ok = (fclose(f) == 0) && ok;
  if (!ok) return make_error(ErrorKind::kInternal, "cannot write " + path.string());
  return ok_status();
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named CN=`cn`, signed by issuer_key (self-signed when
// issuer is null), with the extensions given as (nid, value) pairs.
CertPtr make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                  int days, std::initializer_list<std::pair<int, const char*>> exts) {
  CertPtr cert(X509_new(), &X509_free);
  if (!cert || X509_set_version(cert.get(), 2) != 1) return {nullptr, &X509_free};
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return {nullptr, &X509_free};
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(bn);
  ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days) != nullptr;
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                        0) == 1;
  X509* signer = issuer != nullptr ? issuer : cert.get();
  ok = ok && X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1 &&
       X509_set_pubkey(cert.get(), key) == 1;
  for (const auto& [nid, value] : exts) ok = ok && add_ext(cert.get(), signer, nid, value);
  ok = ok && X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0;
  if (!ok) return {nullptr, &X509_free};
  return cert;
}

}  // namespace

LabCertificates lab_certificate_paths(const fs::path& dir) {
  return {dir / "ca.pem",     dir / "ca.key",     dir / "server.pem",
          dir / "server.key", dir / "client.pem", dir / "client.key"};
}

Result<LabCertificates> make_lab_certificates(const fs::path& dir, int days,
                                              const std::string& client_cn) {
  LabCertificates out = lab_certificate_paths(dir);
  std::error_code ec;
  if (fs::exists(out.ca_cert, ec)) {
    return make_error(ErrorKind::kConflict, out.ca_cert.string() + " exists: not replaced");
  }
  fs::create_directories(dir, ec);
  if (ec) return make_error(ErrorKind::kInternal, "cannot create " + dir.string());
  chmod(dir.c_str(), 0755);
  KeyPtr ca_key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  KeyPtr server_key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  KeyPtr client_key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!ca_key || !server_key || !client_key) return ssl_error("key generation");
  CertPtr ca = make_cert(ca_key.get(), "pchat lab CA", nullptr, ca_key.get(), days,
                         {{NID_basic_constraints, "critical,CA:TRUE"},
                          {NID_key_usage, "critical,keyCertSign,cRLSign"},
                          {NID_subject_key_identifier, "hash"}});
  if (!ca) return ssl_error("the CA certificate");
  CertPtr server = make_cert(server_key.get(), "localhost", ca.get(), ca_key.get(), days,
                             {{NID_basic_constraints, "critical,CA:FALSE"},
                              {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                              {NID_ext_key_usage, "serverAuth"},
                              {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
                              {NID_authority_key_identifier, "keyid"}});
  if (!server) return ssl_error("the server certificate");
  CertPtr client = make_cert(client_key.get(), client_cn, ca.get(), ca_key.get(), days,
                             {{NID_basic_constraints, "critical,CA:FALSE"},
                              {NID_key_usage, "critical,digitalSignature"},
                              {NID_ext_key_usage, "clientAuth"},
                              {NID_authority_key_identifier, "keyid"}});
  if (!client) return ssl_error("the client certificate");
  auto key_writer = [](EVP_PKEY* k) {
    return
        [k](FILE* f) { return PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr); };
  };
  auto cert_writer = [](X509* c) { return [c](FILE* f) { return PEM_write_X509(f, c); }; };
  if (auto st = write_pem(out.ca_key, 0600, key_writer(ca_key.get())); !st) return st.error();
  if (auto st = write_pem(out.server_key, 0600, key_writer(server_key.get())); !st)
    return st.error();
  if (auto st = write_pem(out.client_key, 0600, key_writer(client_key.get())); !st)
    return st.error();
  if (auto st = write_pem(out.ca_cert, 0644, cert_writer(ca.get())); !st) return st.error();
  if (auto st = write_pem(out.server_cert, 0644, cert_writer(server.get())); !st) return st.error();
  if (auto st = write_pem(out.client_cert, 0644, cert_writer(client.get())); !st) return st.error();
  return out;
}

}  // namespace pchat::ctl
