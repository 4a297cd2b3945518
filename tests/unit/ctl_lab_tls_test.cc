// The lab's test CA and server certificate (ctl/lab/tls.h): the server certificate
// verifies against the CA for localhost and 127.0.0.1 and for nothing else, the keys
// are the certificates' own and mode 0600, and nothing is overwritten.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>

#include "ctl/lab/tls.h"
#include "logship_test_util.h"

namespace pchat::ctl {
namespace {

X509* read_cert(const std::filesystem::path& p) {
  FILE* f = fopen(p.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* c = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  return c;
}

EVP_PKEY* read_key(const std::filesystem::path& p) {
  FILE* f = fopen(p.c_str(), "r");
  if (f == nullptr) return nullptr;
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  fclose(f);
  return k;
}

// Verifies `leaf` against `ca` for `purpose`, a host name or an IP address (or neither).
bool verifies(X509* ca, X509* leaf, const std::string& host, const std::string& ip,
              int purpose = X509_PURPOSE_SSL_SERVER) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_purpose(param, purpose);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  if (!ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str());
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

TEST(LabTls, ServerCertificateVerifiesForLoopbackOnly) {
  pchat::logship::test_util::TempDir dir;
  auto certs = make_lab_certificates(dir.path() / "tls", 30);
  ASSERT_TRUE(certs.ok()) << certs.error().message;
  X509* ca = read_cert(certs->ca_cert);
  X509* leaf = read_cert(certs->server_cert);
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(leaf, nullptr);
  EXPECT_TRUE(verifies(ca, leaf, "localhost", ""));
  EXPECT_TRUE(verifies(ca, leaf, "", "127.0.0.1"));
  EXPECT_TRUE(verifies(ca, leaf, "", "::1"));
  EXPECT_FALSE(verifies(ca, leaf, "db.example.com", ""));
  EXPECT_FALSE(verifies(ca, leaf, "", "10.0.0.1"));
  // Another lab's CA does not vouch for this certificate.
  auto other = make_lab_certificates(dir.path() / "other", 30);
  ASSERT_TRUE(other.ok());
  X509* other_ca = read_cert(other->ca_cert);
  EXPECT_FALSE(verifies(other_ca, leaf, "localhost", ""));
  // Each key is its certificate's, and only its owner may read it.
  EVP_PKEY* key = read_key(certs->server_key);
  EVP_PKEY* ca_key = read_key(certs->ca_key);
  ASSERT_NE(key, nullptr);
  ASSERT_NE(ca_key, nullptr);
  EXPECT_EQ(X509_check_private_key(leaf, key), 1);
  EXPECT_EQ(X509_check_private_key(ca, ca_key), 1);
  EXPECT_NE(X509_check_private_key(leaf, ca_key), 1);
  // The client certificate: CN pchat (PostgreSQL cert authentication's user name), for
  // clients only.
  X509* client = read_cert(certs->client_cert);
  ASSERT_NE(client, nullptr);
  EXPECT_TRUE(verifies(ca, client, "", "", X509_PURPOSE_SSL_CLIENT));
  EXPECT_FALSE(verifies(ca, client, "", "", X509_PURPOSE_SSL_SERVER));
  EXPECT_FALSE(verifies(ca, leaf, "", "", X509_PURPOSE_SSL_CLIENT));
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(client), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "pchat");
  X509_free(client);
  for (const auto& k : {certs->server_key, certs->ca_key, certs->client_key}) {
    struct stat st {};
    ASSERT_EQ(stat(k.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << k;
    EXPECT_EQ(st.st_uid, geteuid());
  }
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);
  X509_free(other_ca);
  X509_free(leaf);
  X509_free(ca);
}

TEST(LabTls, RefusesToOverwrite) {
  pchat::logship::test_util::TempDir dir;
  ASSERT_TRUE(make_lab_certificates(dir.path(), 1).ok());
  auto again = make_lab_certificates(dir.path(), 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
}

}  // namespace
}  // namespace pchat::ctl
