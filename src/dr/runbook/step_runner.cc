#include "dr/runbook/step_runner.h"

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>

#include "dr/logship/manifest.h"
#include "dr/runbook/state_file.h"

namespace pchat::dr::runbook {

using Clock = std::chrono::steady_clock;

void print_plan(std::ostream& out, std::span<const char* const> titles,
                const nlohmann::json& journal, bool resuming) {
  const bool journaled = resuming && journal.contains("steps");
  for (size_t i = 1; i < titles.size(); ++i) {
    out << "  step " << i << ": " << titles[i]
        << (journaled && journal["steps"].contains(std::to_string(i)) ? " (done in an earlier run)"
                                                                      : "")
        << "\n";
  }
}

StepRunner::StepRunner(std::string command, std::span<const char* const> titles,
                       nlohmann::json& journal, std::filesystem::path journal_file,
                       std::ostream& out, const char* kill_env)
    : command_(std::move(command)),
      titles_(titles),
      journal_(journal),
      journal_file_(std::move(journal_file)),
      out_(out),
      kill_env_(kill_env) {}

Status StepRunner::run(int n, const std::function<Status()>& body) {
  out_ << "\nStep " << n << ": " << titles_[n] << "\n";
  out_.flush();
  // Who watches (pchatd's status page) sees the step under way; the record is not
  // needed to resume, so a journal that cannot be written here stops nothing.
  journal_["current"] = {{"step", n}, {"title", titles_[n]}, {"since", logship::now_utc()}};
  (void)write_state_file(journal_file_, journal_);
  const auto s0 = Clock::now();
  Status st = body();
  const double secs = std::chrono::duration<double>(Clock::now() - s0).count();
  if (!st) {
    out_ << "Step " << n << " FAILED after " << fmt::format("{:.2f}", secs) << " s\n";
    return make_error(st.error().kind,
                      fmt::format("{} step {} ({}): {}\nFix the cause and run `pchatctl {}` "
                                  "again: it resumes",
                                  command_, n, titles_[n], st.error().message, command_));
  }
  nlohmann::json& rec = journal_["steps"][std::to_string(n)];
  if (!rec.contains("seconds")) rec["seconds"] = secs;  // the run that did the work
  rec["done_at"] = logship::now_utc();
  rec["title"] = titles_[n];
  journal_.erase("current");
  out_ << "Step " << n << " done in " << fmt::format("{:.2f}", secs) << " s\n";
  if (auto w = write_state_file(journal_file_, journal_); !w) return w;
  if (const char* v = std::getenv(kill_env_); v != nullptr && std::atoi(v) == n) {
    out_.flush();
    std::raise(SIGKILL);
  }
  return ok_status();
}

void StepRunner::print_times(bool runs) const {
  double sum = 0;
  for (size_t i = 1; i < titles_.size(); ++i) {
    const double s = journal_["steps"][std::to_string(i)].value("seconds", 0.0);
    sum += s;
    out_ << fmt::format("  step {} {:>8.2f} s  {}\n", i, s, titles_[i]);
  }
  const double now = std::chrono::duration<double>(Clock::now() - started_).count();
  if (runs) {
    out_ << fmt::format("  total {:>8.2f} s (this run {:.2f} s, {} run(s))\n", sum, now,
                        journal_.value("runs", 1));
  } else {
    out_ << fmt::format("  total {:>8.2f} s (this run {:.2f} s)\n", sum, now);
  }
}

}  // namespace pchat::dr::runbook
