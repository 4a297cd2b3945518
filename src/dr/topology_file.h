// Reading a topology file: TOML -> Topology, with every problem reported.
//
// Two passes, both complete (they never stop at the first problem):
//   1. parse: TOML syntax (toml++ stops at its first syntax error: that one is
//      reported alone), unknown keys (with the nearest known key), wrong types,
//      out-of-range numbers, malformed HOST:PORT, libpq conninfo and enum values.
//      The model is filled with whatever was readable; bad fields keep their
//      defaults and are remembered in Topology::source.invalid so that pass 2 does
//      not report them again.
//   2. validate() (topology_validate.h): cross-field rules.
// Relative paths in the file (data_dir, backup_share, copy_destination) are resolved
// against the directory holding the file, so a lab directory can be moved whole.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dr/diagnostic.h"
#include "dr/topology.h"

namespace pchat::dr {

struct TopologyReport {
  // nullopt when the file could not be read or is not valid TOML.
  std::optional<Topology> topology;
  // Every diagnostic of both passes, sorted by line.
  std::vector<Diagnostic> diagnostics;

  // True when a topology was read and no diagnostic is an error (warnings allowed).
  bool ok() const { return topology.has_value() && !has_errors(diagnostics); }
};

// Pass 1 only, on text. `file` names the text in diagnostics; relative paths are
// resolved against `base_dir` (REQUIRES: absolute, or empty to keep them relative).
TopologyReport parse_topology(std::string_view text, const std::string& file,
                              const std::filesystem::path& base_dir);

// Both passes, on text (for tests and for `topology validate` on stdin).
TopologyReport check_topology(std::string_view text, const std::string& file,
                              const std::filesystem::path& base_dir);

// Both passes, on the file at `path` (diagnostics name it as given). An unreadable
// file gives one diagnostic and no topology.
TopologyReport check_topology_file(const std::filesystem::path& path);

// The keys the parser accepts, table by table: "" (top level), "pool",
// "datacenters.NAME", "low_latency_links[]", "servers[]", "stores.ROLE",
// "log_shipping", "mirroring". docs/configuration.md documents exactly these (a unit
// test compares them).
struct TopologyTableKeys {
  std::string table;
  std::vector<std::string_view> keys;
};
const std::vector<TopologyTableKeys>& topology_key_reference();

// What servers and commands use: the checked topology, or kInvalidInput whose
// message holds every error, one formatted diagnostic per line (warnings left out;
// call check_topology_file() to see them). kNotFound when the file does not exist.
Result<Topology> load_topology(const std::filesystem::path& path);

}  // namespace pchat::dr
