// The numbered steps of a resumable runbook command (`pchatctl failover`,
// `pchatctl failback`): each step is announced ("Step N: title") and recorded as
// the journal's "current" step (step, title, since) while it runs, then timed,
// recorded in the journal's "steps" (seconds of the run that did the work,
// done_at, title) and the journal written durably before the next step; a failure names the step
// and says that running the command again resumes. For crash tests, the process SIGKILLs itself
// right after step N when the environment variable `kill_env` is N.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <ostream>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace pchat::dr::runbook {

// A dry run's plan: "  step N: title" for titles[1..], each step the journal records
// as done marked "(done in an earlier run)" when `resuming`.
void print_plan(std::ostream& out, std::span<const char* const> titles,
                const nlohmann::json& journal, bool resuming);

class StepRunner {
 public:
  // `titles[n]` is step n's title (titles[0] unused); `command` names the command in
  // errors ("failover"). `journal` and `out` must outlive the runner.
  StepRunner(std::string command, std::span<const char* const> titles, nlohmann::json& journal,
             std::filesystem::path journal_file, std::ostream& out, const char* kill_env);

  // Runs step n. Errors: the body's, prefixed "<command> step N (title): " and
  // followed by how to resume; a journal that cannot be written.
  Status run(int n, const std::function<Status()>& body);

  // The table of step times from the journal ("  step N     0.12 s  title"), then the
  // total with this run's time and, with `runs`, how many runs it took.
  void print_times(bool runs) const;

 private:
  std::string command_;
  std::span<const char* const> titles_;
  nlohmann::json& journal_;
  std::filesystem::path journal_file_;
  std::ostream& out_;
  const char* kill_env_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace pchat::dr::runbook
