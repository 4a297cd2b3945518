#include "dr/identity.h"

#include <cctype>

namespace pchat::dr {

namespace {

bool consume_prefix(std::string_view& s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  s.remove_prefix(prefix.size());
  return true;
}

}  // namespace

Result<std::string> parse_pool_identity(std::string_view identity) {
  std::string_view s = identity;
  if (consume_prefix(s, "service:")) consume_prefix(s, "persistentchatserver:");
  if (s.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "empty identity (expected \"service:<pool fqdn>\")");
  }
  if (!is_valid_hostname(s)) {
    return make_error(ErrorKind::kInvalidInput, "bad identity '" + std::string(identity) +
                                                    "' (expected \"service:<pool fqdn>\")");
  }
  if (s.back() == '.') s.remove_suffix(1);
  return std::string(s);
}

Result<std::string> check_pool_identity(const Topology& topology, std::string_view identity) {
  auto fqdn = parse_pool_identity(identity);
  if (!fqdn) return fqdn.error();
  if (!same_hostname(*fqdn, topology.pool_fqdn)) {
    return make_error(
        ErrorKind::kNotFound,
        "'" + std::string(identity) + "' is not this pool (service:" + topology.pool_fqdn + ")");
  }
  return topology.pool_fqdn;
}

}  // namespace pchat::dr
