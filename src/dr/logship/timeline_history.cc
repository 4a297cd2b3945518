#include "dr/logship/timeline_history.h"

#include <fmt/format.h>

#include <charconv>

namespace pchat::logship {

Result<std::vector<HistoryEntry>> parse_timeline_history(std::string_view content) {
  std::vector<HistoryEntry> out;
  int line_no = 0;
  while (!content.empty()) {
    auto nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
    ++line_no;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](std::string_view why) {
      return make_error(ErrorKind::kInvalidInput,
                        fmt::format("history line {}: {}: '{}'", line_no, why, line));
    };
    auto tab = line.find_first_of(" \t");
    if (tab == std::string_view::npos) return bad("expected '<parentTLI>\\t<X/X>\\t<reason>'");
    std::string_view tli_text = line.substr(0, tab);
    std::string_view rest = line.substr(tab);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    std::string_view lsn_text = rest.substr(0, rest.find_first_of(" \t"));
    TimeLineId tli = 0;
    auto [p, ec] = std::from_chars(tli_text.data(), tli_text.data() + tli_text.size(), tli);
    if (ec != std::errc{} || p != tli_text.data() + tli_text.size() || tli == 0) {
      return bad("bad parent timeline");
    }
    auto lsn = parse_lsn(lsn_text);
    if (!lsn) return bad("bad switchpoint");
    if (!out.empty() && tli <= out.back().parent_tli) return bad("timelines must increase");
    if (!out.empty() && *lsn < out.back().switchpoint) return bad("switchpoints go backwards");
    out.push_back({tli, *lsn});
  }
  return out;
}

}  // namespace pchat::logship
