// SCRAM-SHA-256's server half (auth/scram.h), on RFC 7677's example exchange.
#include <gtest/gtest.h>

#include "auth/scram.h"

namespace pchat::auth {
namespace {

constexpr const char* kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr const char* kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr const char* kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

Verifier pencil() {
  auto v = make_verifier("pencil", 4096, *unbase64("W22ZaJ0SNY7soEsUEjb6gQ=="));
  EXPECT_TRUE(v);
  return *v;
}

TEST(Scram, Rfc7677ExampleExchange) {
  auto first = parse_client_first(kClientFirst);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->name, "user");
  EXPECT_EQ(first->bare, "n=user,r=rOprNGfwEbeRWgbNEkqO");
  ServerExchange ex(*first, pencil(), kServerNonce);
  EXPECT_EQ(ex.server_first(), kServerFirst);
  auto final = ex.client_final(kClientFinal);
  ASSERT_TRUE(final) << final.error().message;
  EXPECT_EQ(*final, kServerFinal);
}

TEST(Scram, AWrongProofIsDeniedAndAForeignNonceIsInvalid) {
  ServerExchange ex(*parse_client_first(kClientFirst), pencil(), kServerNonce);
  std::string wrong = kClientFinal;
  wrong[wrong.size() - 5] = wrong[wrong.size() - 5] == 'A' ? 'B' : 'A';
  auto r = ex.client_final(wrong);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kDenied);
  auto other_password = make_verifier("pen", 4096, *unbase64("W22ZaJ0SNY7soEsUEjb6gQ=="));
  ServerExchange ex2(*parse_client_first(kClientFirst), *other_password, kServerNonce);
  EXPECT_EQ(ex2.client_final(kClientFinal).error().kind, ErrorKind::kDenied);
  ServerExchange ex3(*parse_client_first(kClientFirst), pencil(), "another-nonce");
  EXPECT_EQ(ex3.client_final(kClientFinal).error().kind, ErrorKind::kInvalidInput);
}

TEST(Scram, VerifierTextRoundTripsInPostgresForm) {
  const Verifier v = pencil();
  const std::string text = to_text(v);
  EXPECT_TRUE(text.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")) << text;
  auto back = parse_verifier(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->iterations, 4096);
  EXPECT_EQ(back->salt, v.salt);
  EXPECT_EQ(back->stored_key, v.stored_key);
  EXPECT_EQ(back->server_key, v.server_key);
  for (const char* bad : {"", "md5abc", "SCRAM-SHA-256$x:AA==$AA==:AA==", "SCRAM-SHA-256$4096:$:",
                          "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AA==:AA=="}) {
    EXPECT_FALSE(parse_verifier(bad)) << bad;
  }
}

TEST(Scram, ClientFirstMessagesThatAreRefused) {
  for (const char* bad : {"p=tls-unique,,n=user,r=abc", "x,,n=user,r=abc", "n,,r=abc,n=user",
                          "n,,n=user", "n,,n=,r=abc", "n,,n=us=er,r=abc", "n,a=other,n=user,r=abc",
                          "n,,m=ext,n=user,r=abc", "n,,n=user,r=a,b", "n,,n=user,r=abc,"}) {
    EXPECT_FALSE(parse_client_first(bad)) << bad;
  }
  auto escaped = parse_client_first("y,a=a=2Cb,n=a=2Cb,r=xyz");
  ASSERT_TRUE(escaped) << escaped.error().message;
  EXPECT_EQ(escaped->name, "a,b");
}

TEST(Scram, DecoysAreStableAndDiffer) {
  auto a = decoy_verifier("nobody", "secret"), b = decoy_verifier("nobody", "secret");
  EXPECT_EQ(a.salt, b.salt);
  EXPECT_NE(a.salt, decoy_verifier("somebody", "secret").salt);
  EXPECT_NE(a.salt, decoy_verifier("nobody", "other secret").salt);
}

}  // namespace
}  // namespace pchat::auth
