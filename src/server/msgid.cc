#include "server/msgid.h"

#include <chrono>
#include <random>

namespace pchat::server {

std::string make_msgid(uint64_t unix_ms, uint64_t hi, uint64_t lo) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string out(26, '0');
  // 130 bits written as 26 digits, most significant first: 2 zero bits, 48 bits of
  // time, 16 of hi, 64 of lo.
  const uint64_t top = hi & 0xffff;
  auto five_bits_at = [&](int pos) -> unsigned {  // of the 80-bit number top:lo
    uint64_t v = pos < 64 ? lo >> pos : top >> (pos - 64);
    if (pos < 64 && pos + 5 > 64) v |= top << (64 - pos);
    return static_cast<unsigned>(v & 31);
  };
  for (int i = 25; i >= 10; --i) {  // the 80 random bits: 16 digits
    out[static_cast<size_t>(i)] = kAlphabet[five_bits_at(5 * (25 - i))];
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
