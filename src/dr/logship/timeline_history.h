// Timeline history files (TTTTTTTT.history), as PostgreSQL writes them at promotion
// (timeline.c writeTimeLineHistory): one line per ancestor timeline, oldest first,
//   <parentTLI> TAB <switchpoint X/X> TAB <reason>
// e.g. "1\t0/3000158\tno recovery target specified". Timeline T's file lists every
// ancestor; its last line is T's direct parent and the LSN where T begins. Blank lines
// and lines starting with '#' are comments. Pure.
#pragma once

#include <string_view>
#include <vector>

#include "core/result.h"
#include "dr/logship/wal_name.h"

namespace pchat::logship {

struct HistoryEntry {
  TimeLineId parent_tli = 0;
  Lsn switchpoint = 0;  // where the child leaves parent_tli
};

// The entries, oldest first. kInvalidInput naming the line when a line is malformed,
// when parent timelines do not increase, or when switchpoints go backwards.
Result<std::vector<HistoryEntry>> parse_timeline_history(std::string_view content);

}  // namespace pchat::logship
