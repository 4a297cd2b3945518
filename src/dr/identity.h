// Pool identities as Lync's cmdlets write them (docs/design.md#glossary):
//   -Identity "service:atl-cs-001.litwareinc.com"
// Also accepted: Lync's long form "service:PersistentChatServer:<fqdn>" and a bare
// "<fqdn>". Prefixes are case-insensitive; FQDNs compare case-insensitively with one
// trailing dot ignored.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "dr/topology.h"

namespace pchat::dr {

// The FQDN named by `identity`. kInvalidInput when it is empty or not a host name.
Result<std::string> parse_pool_identity(std::string_view identity);

// The pool FQDN if `identity` names `topology`'s pool. kInvalidInput as above;
// kNotFound ("... is not this pool (service:<fqdn>)") when it names another pool.
Result<std::string> check_pool_identity(const Topology& topology, std::string_view identity);

}  // namespace pchat::dr
