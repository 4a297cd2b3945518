// store::normalize_fingerprint: what `pchatctl user cert` accepts as a fingerprint.
#include <gtest/gtest.h>

#include "store/account_certs.h"

namespace pchat::store {
namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(NormalizeFingerprint, AcceptsHexAnyCaseWithOrWithoutColons) {
  EXPECT_EQ(normalize_fingerprint(kHex), kHex);
  std::string upper_colons;
  for (size_t i = 0; i < kHex.size(); i += 2) {
    if (i > 0) upper_colons += ':';
    upper_colons += static_cast<char>(std::toupper(kHex[i]));
    upper_colons += static_cast<char>(std::toupper(kHex[i + 1]));
  }
  EXPECT_EQ(normalize_fingerprint(upper_colons), kHex);
}

TEST(NormalizeFingerprint, RefusesWrongLengthsAndCharacters) {
  EXPECT_FALSE(normalize_fingerprint(""));
  EXPECT_FALSE(normalize_fingerprint(kHex.substr(1)));         // 63 digits
  EXPECT_FALSE(normalize_fingerprint(kHex + "00"));            // SHA-512 length-ish
  EXPECT_FALSE(normalize_fingerprint("g" + kHex.substr(1)));   // not hex
  EXPECT_FALSE(normalize_fingerprint(":" + kHex));             // leading colon
  EXPECT_FALSE(normalize_fingerprint(kHex + ":"));             // trailing colon
  EXPECT_FALSE(normalize_fingerprint("0:" + kHex.substr(1)));  // colon inside a pair
  EXPECT_FALSE(canonical_fingerprint("abc123"));
  EXPECT_EQ(canonical_fingerprint("abc").error().kind, ErrorKind::kInvalidInput);
}

}  // namespace
}  // namespace pchat::store
