// The adapter interface: turns a batch of compliance events into output files.
//
// This is the extensibility point: the compliance service selects a
// batch, asks an adapter to translate it, writes the returned files with
// write_file_atomically (atomic_file.h), then purges the batch. Adapters are pure:
// they neither read nor write files, the database or the network.
//
// Contract every adapter keeps (README.md, "Crash safety"): translate() is a
// function of (configuration, batch as a set, RunInfo). Same inputs, same file
// names and same bytes, whatever the order of `batch`. That is what makes a re-run
// after a crash idempotent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compliance/event.h"
#include "core/result.h"

namespace pchat::compliance {

// The compliance configuration's adapter options (Set-CsPersistentChatComplianceConfiguration).
struct AdapterConfig {
  std::string output_directory;  // AdapterOutputDirectory: absolute path
  bool one_chat_room_per_output_file = false;
  bool add_user_details = false;
  bool add_chat_room_details = false;
};

// Identifies one run. The service records it durably BEFORE writing any file and
// reuses it unchanged when it re-runs after a crash, so names repeat exactly.
struct RunInfo {
  int64_t start_us = 0;        // run start, UTC microseconds since 1970
  int64_t end_us = 0;          // run end (the cut-off of the batch), >= start_us
  int64_t first_event_id = 0;  // lowest event id of the batch
  int64_t last_event_id = 0;   // highest event id of the batch, >= first_event_id
  // Empty for the compliance service's runs; a drain's runs (service/drain.h) name
  // the store they come from ("from-A"): another compliance store numbers its events
  // from 1 as well, so two runs could otherwise share END and ids. [A-Za-z0-9_-].
  std::string origin;
};

struct OutputFile {
  std::string name;   // plain file name relative to output_directory (no '/')
  std::string bytes;  // complete file content
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  // The registry name ("XmlAdapter").
  virtual std::string name() const = 0;

  // Validates and stores the options. Fails with kInvalidInput (and keeps the
  // previous configuration) when an option is unusable.
  virtual Status configure(const AdapterConfig& config) = 0;

  // Translates one run. An empty batch gives no file. Fails with kInvalidInput
  // when not configured, when RunInfo is inconsistent, or when an event is (an
  // event id outside [first_event_id, last_event_id], a duplicate id, a time
  // outside 0..kMaxTimestampUs). File names are distinct within one result.
  virtual Result<std::vector<OutputFile>> translate(const std::vector<ComplianceEvent>& batch,
                                                    const RunInfo& run) = 0;
};

// Names make_adapter knows, sorted.
std::vector<std::string> known_adapters();

// A new, unconfigured adapter. Unknown name: kNotFound with a message listing the
// known names.
Result<std::unique_ptr<Adapter>> make_adapter(std::string_view name);

}  // namespace pchat::compliance
