#include "ctl/dr/status.h"

#include <fmt/format.h>

namespace pchat::ctl {

using nlohmann::json;

void print_dr_summary(const json& dr, std::ostream& out) {
  if (dr.contains("mirroring")) {
    const json& m = dr["mirroring"];
    out << fmt::format("mirroring: {}{} ({})\n", m["state"].get<std::string>(),
                       m["alert"].get<bool>() ? " ALERT" : "", m["message"].get<std::string>());
  }
  if (dr.contains("log_shipping")) {
    const json& l = dr["log_shipping"];
    std::string stages;
    for (const auto& s : l["stages"]) {
      stages += fmt::format("{} {:.1f} s{}, ", s["stage"].get<std::string>(),
                            s["lag_s"].get<double>(), s["alert"].get<bool>() ? " ALERT" : "");
    }
    std::string behind = l["replay_delay_s"].is_null()
                             ? "unknown"
                             : fmt::format("{:.2f} s", l["replay_delay_s"].get<double>());
    out << fmt::format("log shipping: lag {}backup store behind by {}; {} alert(s)\n", stages,
                       behind, l["alerts"].size());
    for (const auto& a : l["alerts"]) out << "  ALERT " << a.get<std::string>() << "\n";
  }
}

}  // namespace pchat::ctl
