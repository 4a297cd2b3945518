// Password hashes: what counts as a hash to upgrade (store/accounts.h).
#include <sodium.h>

#include <gtest/gtest.h>

#include "store/accounts.h"

namespace pchat::store {
namespace {

std::string hash_with(unsigned long long ops, size_t mem, const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  EXPECT_EQ(crypto_pwhash_str(out, password.data(), password.size(), ops, mem), 0);
  return out;
}

TEST(PasswordHash, CurrentCostsNeedNoUpgrade) {
  auto h = hash_password("correct horse");
  ASSERT_TRUE(h);
  EXPECT_TRUE(verify_password(*h, "correct horse"));
  EXPECT_FALSE(verify_password(*h, "wrong horse"));
  EXPECT_FALSE(hash_needs_upgrade(*h));
}

TEST(PasswordHash, OlderCostsNeedAnUpgrade) {
  ASSERT_GE(sodium_init(), 0);
  auto weak = hash_with(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN, "pw");
  EXPECT_TRUE(verify_password(weak, "pw"));  // still signs in...
  EXPECT_TRUE(hash_needs_upgrade(weak));     // ...and is then replaced
}

TEST(PasswordHash, SomethingElseThanAnArgon2idHashNeedsAnUpgrade) {
  EXPECT_TRUE(hash_needs_upgrade(""));
  EXPECT_TRUE(hash_needs_upgrade("$2b$12$notanargon2hash"));
}

}  // namespace
}  // namespace pchat::store
