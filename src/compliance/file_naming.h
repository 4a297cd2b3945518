// Output file names: a pure function of the run, so a re-run after a crash writes
// the same names (README.md, "Naming rule").
//
//   one file per run:  pchat-compliance-<END>-<FIRST>-<LAST>[-<ORIGIN>].<ext>
//   one file per room: pchat-compliance-<END>-<FIRST>-<LAST>[-<ORIGIN>]-<SLUG>-<HASH>.<ext>
//
// ORIGIN (RunInfo::origin, only for the runs of a drain: "from-A") keeps a drained
// datacenter's files apart from those of the compliance store in use, which numbers
// its events independently.
// END is RunInfo::end_us as YYYYMMDDTHHMMSSZ; FIRST/LAST are the run's event-id
// range, zero-padded to 19 digits, so names sort by run; SLUG is the room's display
// name reduced to [A-Za-z0-9_-] (at most 32 bytes, "room" if nothing is left);
// HASH is FNV-1a 64 of the room URI in 16 lower-case hex digits, so two rooms
// whose names reduce to the same slug still get different files. Names never
// start with '.', which atomic_file.h reserves for temporary files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "compliance/adapter.h"

namespace pchat::compliance {

// REQUIRES: RunInfo validated (times in range, ids >= 0).
std::string run_file_name(const RunInfo& run, std::string_view ext);
std::string room_file_name(const RunInfo& run, std::string_view room, std::string_view room_uri,
                           std::string_view ext);

std::string room_slug(std::string_view room);

// FNV-1a, 64-bit. Stable across platforms and releases (it is part of file names).
uint64_t fnv1a64(std::string_view bytes);

}  // namespace pchat::compliance
