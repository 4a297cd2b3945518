#include "dr/logship/chain.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "dr/logship/manifest.h"
#include "dr/logship/timeline_history.h"

namespace pchat::logship {
namespace {

struct Entry {
  WalFileName f;
  const ChainFile* file;
};

// Why `cf` cannot be trusted, or nullopt.
std::optional<std::string> integrity_problem(const ChainFile& cf, const WalFileName& f,
                                             uint64_t segsize) {
  if (cf.expected_sha256.empty()) {
    return std::string("not recorded in the manifest: its contents are unverified");
  }
  if (cf.actual_sha256 != cf.expected_sha256) {
    return fmt::format("checksum mismatch: the manifest says sha256 {}, the file has {}",
                       cf.expected_sha256, cf.actual_sha256);
  }
  if (f.kind == WalFileKind::kSegment && cf.size != segsize) {
    return fmt::format("{} bytes where a complete segment has {} (truncated?)", cf.size, segsize);
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(ChainProblemKind kind) {
  switch (kind) {
    case ChainProblemKind::kGap:
      return "gap";
    case ChainProblemKind::kBadFile:
      return "bad file";
    case ChainProblemKind::kMissingHistory:
      return "missing history";
    case ChainProblemKind::kBadHistory:
      return "bad history";
    case ChainProblemKind::kPartialNotLast:
      return "partial not last";
    case ChainProblemKind::kUnknownFile:
      return "unknown file";
  }
  return "?";
}

ChainReport check_chain(const std::vector<ChainFile>& files, std::optional<ReplayPoint> start,
                        uint64_t segsize) {
  ChainReport rep;
  auto problem = [&](ChainProblemKind kind, std::string file, std::string reason) {
    if (kind == ChainProblemKind::kBadFile) rep.bad_files.push_back(file);
    rep.problems.push_back({kind, std::move(file), std::move(reason)});
  };

  std::vector<Entry> segs;                // complete and partial segments
  std::map<TimeLineId, Entry> histories;  // by timeline
  std::vector<Entry> backups;
  for (const auto& cf : files) {
    if (is_bookkeeping_file(cf.name)) continue;
    auto f = parse_wal_file_name(cf.name, segsize);
    if (!f) {
      problem(ChainProblemKind::kUnknownFile, cf.name,
              fmt::format("not a WAL file name for {} MB segments (a foreign file?); move it "
                          "out of the folder",
                          segsize >> 20));
      continue;
    }
    Entry e{*f, &cf};
    switch (f->kind) {
      case WalFileKind::kHistory:
        histories.emplace(f->tli, e);
        break;
      case WalFileKind::kBackupHistory:
        backups.push_back(e);
        break;
      case WalFileKind::kSegment:
      case WalFileKind::kPartial:
        segs.push_back(e);
        break;
    }
  }
  std::sort(segs.begin(), segs.end(),
            [](const Entry& a, const Entry& b) { return compare_wal_files(a.f, b.f) < 0; });

  if (!start && !segs.empty()) {
    start = ReplayPoint{segs.front().f.tli, segs.front().f.segno};  // lowest position, tli
  }
  const TimeLineId start_tli = start ? start->tli : 1;
  TimeLineId cur = start_tli;
  const SegNo next = start ? start->next_segno : 0;

  // Sort the segments: already applied, superseded by the standby's timeline, or ahead.
  std::map<SegNo, std::vector<Entry>> ahead;
  for (const auto& e : segs) {
    if (e.f.segno < next) {
      if (auto why = integrity_problem(*e.file, e.f, segsize)) {
        rep.notes.push_back(
            fmt::format("{}: {} (already replayed by the standby: harmless)", e.file->name, *why));
      }
    } else if (e.f.tli < cur) {
      rep.notes.push_back(
          fmt::format("{}: on timeline {}, below the standby's timeline {}: not "
                      "used",
                      e.file->name, e.f.tli, cur));
    } else {
      ahead[e.f.segno].push_back(e);
    }
  }

  std::vector<Entry> taken;
  SegNo expect = next;
  for (const auto& [s, entries] : ahead) {
    if (s > expect) {
      ChainGap gap{segment_file_name(cur, expect, segsize), segment_file_name(cur, s - 1, segsize),
                   s - expect};
      problem(ChainProblemKind::kGap, gap.first_missing,
              gap.count == 1
                  ? fmt::format("missing segment: replay cannot go past it to {}",
                                entries.front().file->name)
                  : fmt::format("{} segments missing, {} to {}: replay cannot go past them to {}",
                                gap.count, gap.first_missing, gap.last_missing,
                                entries.front().file->name));
      rep.gaps.push_back(std::move(gap));
    }
    TimeLineId best = cur;
    for (const auto& e : entries) best = std::max(best, e.f.tli);
    if (best > cur) {
      std::string at = segment_file_name(best, s, segsize);
      auto h = histories.find(best);
      if (h == histories.end()) {
        problem(ChainProblemKind::kMissingHistory, history_file_name(best),
                fmt::format("the chain switches from timeline {} to {} at {}, but this history "
                            "file is missing: a standby cannot follow the switch",
                            cur, best, at));
      } else {
        const ChainFile& hf = *h->second.file;
        if (std::find(rep.histories.begin(), rep.histories.end(), hf.name) == rep.histories.end()) {
          rep.histories.push_back(hf.name);
        }
        if (hf.content) {
          auto parsed = parse_timeline_history(*hf.content);
          if (!parsed) {
            problem(ChainProblemKind::kBadHistory, hf.name, parsed.error().message);
          } else {
            auto from = std::find_if(parsed->begin(), parsed->end(),
                                     [&](const HistoryEntry& he) { return he.parent_tli == cur; });
            if (from == parsed->end()) {
              problem(ChainProblemKind::kBadHistory, hf.name,
                      fmt::format("timeline {} does not descend from timeline {}, yet the chain "
                                  "moves from {} to {} at {}",
                                  best, cur, cur, best, at));
            } else {
              for (auto it = from; it != parsed->end(); ++it) {
                SegNo sw = lsn_to_segno(it->switchpoint, segsize);
                if (sw != s) {
                  problem(ChainProblemKind::kBadHistory, hf.name,
                          fmt::format("it says timeline {} is left at {} (segment {}), but the "
                                      "chain switches to timeline {} at {}: files past the fork "
                                      "would diverge",
                                      it->parent_tli, format_lsn(it->switchpoint),
                                      segment_file_name(it->parent_tli, sw, segsize), best, at));
                  break;
                }
              }
            }
          }
        }
      }
      for (const auto& e : entries) {
        if (e.f.tli < best) {
          rep.notes.push_back(
              fmt::format("{}: superseded by timeline {} at this segment", e.file->name, best));
        }
      }
      cur = best;
    }
    const Entry* full = nullptr;
    const Entry* partial = nullptr;
    for (const auto& e : entries) {
      if (e.f.tli != cur) continue;
      (e.f.kind == WalFileKind::kSegment ? full : partial) = &e;
    }
    const Entry* chosen = full != nullptr ? full : partial;
    if (full != nullptr && partial != nullptr) {
      rep.notes.push_back(fmt::format("{}: superseded by the complete segment {}",
                                      partial->file->name, full->file->name));
    }
    if (auto why = integrity_problem(*chosen->file, chosen->f, segsize)) {
      problem(ChainProblemKind::kBadFile, chosen->file->name, *why);
    }
    taken.push_back(*chosen);
    expect = s + 1;
  }

  for (std::size_t i = 0; i + 1 < taken.size(); ++i) {
    if (taken[i].f.kind == WalFileKind::kPartial) {
      problem(ChainProblemKind::kPartialNotLast, taken[i].file->name,
              fmt::format("an incomplete segment followed by {}: the WAL between its end and "
                          "the next segment is missing",
                          taken[i + 1].file->name));
    }
  }
  if (!taken.empty() && taken.back().f.kind == WalFileKind::kPartial) {
    rep.notes.push_back(
        fmt::format("the chain ends with the incomplete segment {} (a streaming "
                    "tail): it is replayed under the name {}",
                    taken.back().file->name, replayable_name(taken.back().f, segsize)));
  }
  for (const auto& [tli, e] : histories) {
    if (auto why = integrity_problem(*e.file, e.f, segsize)) {
      if (tli > start_tli) {
        problem(ChainProblemKind::kBadFile, e.file->name, *why);
      } else {
        rep.notes.push_back(
            fmt::format("{}: {} (not needed from timeline {})", e.file->name, *why, start_tli));
      }
    }
  }
  for (const auto& e : backups) {
    if (auto why = integrity_problem(*e.file, e.f, segsize)) {
      rep.notes.push_back(
          fmt::format("{}: {} (backup history files are informational)", e.file->name, *why));
    }
  }

  for (const auto& e : taken) rep.to_apply.push_back(e.file->name);
  if (!taken.empty()) {
    rep.last_present = taken.back().file->name;
  } else if (!segs.empty()) {
    rep.last_present = segs.back().file->name;
  }
  if (taken.empty() && start) {
    rep.notes.push_back(fmt::format("nothing to apply: no segment at or after {} here",
                                    segment_file_name(start->tli, start->next_segno, segsize)));
  }
  rep.ready = rep.problems.empty();
  return rep;
}

std::string format_chain_report(const ChainReport& r) {
  std::string out;
  if (r.ready) {
    if (r.to_apply.empty()) {
      out += "chain ready: nothing to apply\n";
    } else {
      out += fmt::format("chain ready: {} file(s) to apply, {} to {}\n", r.to_apply.size(),
                         r.to_apply.front(), r.to_apply.back());
    }
  } else {
    out += fmt::format("chain NOT ready: {} problem(s); {} file(s) to apply{}\n", r.problems.size(),
                       r.to_apply.size(),
                       r.last_present ? ", last present " + *r.last_present : std::string());
  }
  for (const auto& p : r.problems) {
    out += fmt::format("  {}: {}: {}\n", to_string(p.kind), p.file, p.reason);
  }
  for (const auto& n : r.notes) out += fmt::format("  note: {}\n", n);
  return out;
}

}  // namespace pchat::logship
