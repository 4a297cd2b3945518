// `pchatctl lab up --users N`: accounts for trying a lab pool with sign-in.
#pragma once

#include <filesystem>
#include <ostream>

#include "core/result.h"

namespace pchat::ctl {

// Creates accounts user1 .. userN, each with a random password, in the store the lab
// pool uses now (through the topology, as `pchatctl --topology T user add` does), and
// writes "NAME PASSWORD" lines to `users_file` (mode 0600, replaced whole).
// REQUIRES: the pool's servers are up (they create the schema); 1 <= n <= 1000.
// Errors: kInvalidInput for n out of range; kUnavailable when no store qualifies;
// kConflict when an account of that name exists; kInternal when the file cannot be
// written.
Status create_lab_users(const std::filesystem::path& topology_file,
                        const std::filesystem::path& users_file, int n, std::ostream& out);

}  // namespace pchat::ctl
