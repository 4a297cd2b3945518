#include "server/msgid.h"

#include <chrono>
#include <random>

namespace pchat::server {

std::string make_msgid(uint64_t unix_ms, uint64_t hi, uint64_t lo) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string out(26, '0');
  // 130 bits written as 26 digits, most significant first: 2 zero bits, 48 bits of
  // time, 16 of hi, 64 of lo.
  unsigned __int128 rnd = (static_cast<unsigned __int128>(hi & 0xffff) << 64) | lo;
  for (int i = 25; i >= 10; --i) {  // the 80 random bits: 16 digits
    out[static_cast<size_t>(i)] = kAlphabet[static_cast<unsigned>(rnd & 31)];
    rnd >>= 5;
  }
  uint64_t t = unix_ms & 0xffffffffffffULL;
  for (int i = 9; i >= 0; --i) {  // the 48 time bits (and 2 zero bits): 10 digits
    out[static_cast<size_t>(i)] = kAlphabet[t & 31];
    t >>= 5;
  }
  return out;
}

std::string new_msgid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  const uint64_t hi = rng(), lo = rng();
  return make_msgid(static_cast<uint64_t>(ms), hi, lo);
}

}  // namespace pchat::server
