#include "compliance/service/config.h"

#include <fmt/format.h>
#include "core/time.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace pchat::compliance {

void apply(const ComplianceConfigEdit& e, ComplianceConfig& c) {
  if (e.adapter_type) c.adapter_type = *e.adapter_type;
  if (e.adapter_name) c.adapter_name = *e.adapter_name;
  if (e.output_directory) c.output_directory = *e.output_directory;
  if (e.one_chat_room_per_output_file) {
    c.one_chat_room_per_output_file = *e.one_chat_room_per_output_file;
  }
  if (e.add_user_details) c.add_user_details = *e.add_user_details;
  if (e.add_chat_room_details) c.add_chat_room_details = *e.add_chat_room_details;
  if (e.run_interval_s) c.run_interval_s = *e.run_interval_s;
}

Status validate(const ComplianceConfig& c) {
  auto known = known_adapters();
  if (std::find(known.begin(), known.end(), c.adapter_type) == known.end()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    return make_error(ErrorKind::kInvalidInput, "AdapterType: unknown adapter '" + c.adapter_type +
                                                    "' (known: " + list + ")");
  }
  if (c.adapter_name.empty()) {
    return make_error(ErrorKind::kInvalidInput, "AdapterName: must not be empty");
  }
  if (!c.output_directory.empty() && c.output_directory[0] != '/') {
    return make_error(ErrorKind::kInvalidInput,
                      "AdapterOutputDirectory: '" + c.output_directory +
                          "' is not an absolute path (the service may run anywhere in the pool)");
  }
  if (c.run_interval_s < kMinRunIntervalS) {
    return make_error(
        ErrorKind::kInvalidInput,
        fmt::format("RunInterval: {} is under the minimum of {}",
                    format_run_interval(c.run_interval_s), format_run_interval(kMinRunIntervalS)));
  }
  return ok_status();
}

namespace {

std::optional<int64_t> number(std::string_view s) {
  int64_t v = 0;
  if (s.empty() || s.size() > 9) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

Result<int> parse_run_interval(std::string_view text) {
  auto bad = [&] {
    return make_error(
        ErrorKind::kInvalidInput,
        "RunInterval: '" + std::string(text) +
            "' is not a time span (expected HH:MM:SS, e.g. 00:15:00, or 90s, 15m, 1h)");
  };
  if (text.empty()) return bad();
  const char unit = text.back();
  if (unit == 's' || unit == 'm' || unit == 'h') {
    auto n = number(text.substr(0, text.size() - 1));
    if (!n) return bad();
    int64_t s = *n * (unit == 's' ? 1 : unit == 'm' ? 60 : 3600);
    if (s > 366LL * 86400) return bad();
    return static_cast<int>(s);
  }
  int64_t days = 0;
  std::string_view rest = text;
  if (auto colon = rest.find(':'), dot = rest.find('.');
      dot != std::string_view::npos && dot < colon) {
    auto d = number(rest.substr(0, dot));
    if (!d) return bad();
    days = *d;
    rest = rest.substr(dot + 1);
  }
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t c = rest.find(':', start);
    parts.push_back(rest.substr(start, c == std::string_view::npos ? c : c - start));
    if (c == std::string_view::npos) break;
    start = c + 1;
  }
  if (parts.size() != 3) return bad();
  auto h = number(parts[0]), m = number(parts[1]), s = number(parts[2]);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 59 || days > 365) return bad();
  return static_cast<int>(days * 86400 + *h * 3600 + *m * 60 + *s);
}

std::string format_run_interval(int seconds) {
  int d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
  if (d > 0) return fmt::format("{}.{:02}:{:02}:{:02}", d, h, m, s);
  return fmt::format("{:02}:{:02}:{:02}", h, m, s);
}

Result<ComplianceConfig> load_config(pg::Connection& mgc) {
  auto r = mgc.exec(
      "SELECT adapter_type, adapter_name, adapter_output_directory, "
      "one_chat_room_per_output_file, add_user_details, add_chat_room_details, run_interval_s, " +
      time::sql_iso8601("updated_at") +
      ", updated_by "
      "FROM compliance_config WHERE id = 1");
  if (!r) return r.error();
  if (r->rows() != 1) return make_error(ErrorKind::kNotFound, "no compliance configuration row");
  ComplianceConfig c;
  c.adapter_type = r->str(0, 0);
  c.adapter_name = r->str(0, 1);
  c.output_directory = r->str(0, 2);
  c.one_chat_room_per_output_file = r->get(0, 3) == "t";
  c.add_user_details = r->get(0, 4) == "t";
  c.add_chat_room_details = r->get(0, 5) == "t";
  c.run_interval_s = static_cast<int>(r->i64(0, 6));
  c.updated_at = r->str(0, 7);
  c.updated_by = r->str(0, 8);
  return c;
}

Status save_config(pg::Connection& mgc, const ComplianceConfig& c, const std::string& by) {
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  auto r = mgc.exec(
      "UPDATE compliance_config SET adapter_type = $1, adapter_name = $2, "
      "adapter_output_directory = $3, one_chat_room_per_output_file = $4, "
      "add_user_details = $5, add_chat_room_details = $6, run_interval_s = $7, "
      "updated_at = now(), updated_by = $8 WHERE id = 1",
      {c.adapter_type, c.adapter_name, c.output_directory, b(c.one_chat_room_per_output_file),
       b(c.add_user_details), b(c.add_chat_room_details), std::to_string(c.run_interval_s), by});
  if (!r) return r.error();
  if (r->affected() != 1) {
    return make_error(ErrorKind::kNotFound, "no compliance configuration row");
  }
  return ok_status();
}

}  // namespace pchat::compliance
