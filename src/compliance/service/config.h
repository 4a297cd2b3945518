// The compliance configuration (Get-/Set-CsPersistentChatComplianceConfiguration):
// one row in mgc's compliance_config, so it travels with the chat store through a
// failover. pchatd's compliance service reads it at every run; pchatctl edits it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compliance/adapter.h"
#include "core/result.h"
#include "store/pg.h"

namespace pchat::compliance {

inline constexpr int kDefaultRunIntervalS = 15 * 60;  // Lync's default
inline constexpr int kMinRunIntervalS = 60;           // Lync's minimum

struct ComplianceConfig {
  std::string adapter_type = "XmlAdapter";  // a make_adapter() name
  std::string adapter_name = "XmlAdapter";  // free text, shown by Get-...
  std::string output_directory;             // absolute; empty: not configured yet
  bool one_chat_room_per_output_file = false;
  bool add_user_details = false;
  bool add_chat_room_details = false;
  int run_interval_s = kDefaultRunIntervalS;
  std::string updated_at;  // read only
  std::string updated_by;  // read only

  AdapterConfig adapter_config() const {
    return {output_directory, one_chat_room_per_output_file, add_user_details,
            add_chat_room_details};
  }
};

// A change: only the fields given are set.
struct ComplianceConfigEdit {
  std::optional<std::string> adapter_type, adapter_name, output_directory;
  std::optional<bool> one_chat_room_per_output_file, add_user_details, add_chat_room_details;
  std::optional<int> run_interval_s;
  bool empty() const {
    return !adapter_type && !adapter_name && !output_directory && !one_chat_room_per_output_file &&
           !add_user_details && !add_chat_room_details && !run_interval_s;
  }
};

// Applies `edit` to `config` (no validation).
void apply(const ComplianceConfigEdit& edit, ComplianceConfig& config);

// kInvalidInput naming the field: unknown adapter type, relative directory, run
// interval under kMinRunIntervalS.
Status validate(const ComplianceConfig& config);

// "HH:MM:SS" or "D.HH:MM:SS" (a .NET TimeSpan as Lync writes it), or a number
// with a unit: "90s", "15m", "1h". Returns seconds; kInvalidInput otherwise.
Result<int> parse_run_interval(std::string_view text);
// "00:15:00".
std::string format_run_interval(int seconds);

Result<ComplianceConfig> load_config(pg::Connection& mgc);
// Writes every field (and updated_at/by). REQUIRES: validate(config) passed.
Status save_config(pg::Connection& mgc, const ComplianceConfig& config, const std::string& by);

}  // namespace pchat::compliance
