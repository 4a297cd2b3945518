#include "server/msgid.h"

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstring>
#include <stdexcept>

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
  // libsodium's generator (the system's, unpredictable), read in blocks: one
  // system call per ~400 ids, not one per id.
  static thread_local std::array<unsigned char, 4096> pool;
  static thread_local size_t used = pool.size();
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to start");
  if (used + 16 > pool.size()) {
    randombytes_buf(pool.data(), pool.size());
    used = 0;
  }
  uint64_t hi = 0, lo = 0;
  std::memcpy(&hi, pool.data() + used, 8);
  std::memcpy(&lo, pool.data() + used + 8, 8);
  sodium_memzero(pool.data() + used, 16);  // an id's bits are not kept around
  used += 16;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  return make_msgid(static_cast<uint64_t>(ms), hi, lo);
}

}  // namespace pchat::server
