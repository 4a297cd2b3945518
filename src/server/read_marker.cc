#include "server/read_marker.h"

#include <charconv>

#include "core/time.h"
#include "irc/casemap.h"
#include "server/history_query.h"

namespace pchat::server {

namespace {

MarkreadError invalid(std::string param, std::string why) {
  return MarkreadError{"INVALID_PARAMS", {std::move(param)}, std::move(why)};
}

// The next space-separated field of `rest` (which loses it and its space).
std::string_view next_field(std::string_view& rest) {
  const size_t sp = rest.find(' ');
  std::string_view field = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
  return field;
}

template <typename T>
bool to_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::variant<MarkreadRequest, MarkreadError> parse_markread(
    const std::vector<std::string>& params) {
  if (params.empty() || params[0].empty()) {
    return MarkreadError{"NEED_MORE_PARAMS", {}, "Missing parameters"};
  }
  if (params.size() > 2) return invalid(params[2], "Too many parameters");
  MarkreadRequest req;
  req.target = params[0];
  req.channel = req.target[0] == irc::kChanTypes[0];
  const bool valid = req.channel
                         ? irc::is_valid_channel_name(req.target)
                         : irc::is_valid_nick(req.target) || irc::is_valid_account_name(req.target);
  if (!valid) return invalid(req.target, "Invalid target: not a channel name or a nick");
  req.key = irc::fold(req.target);
  if (params.size() == 1) return req;
  constexpr std::string_view kPrefix = "timestamp=";
  const std::string& ts = params[1];
  std::optional<int64_t> us;
  if (std::string_view(ts).starts_with(kPrefix)) us = parse_timestamp(ts.substr(kPrefix.size()));
  if (!us) return invalid(ts, "Invalid timestamp: expected timestamp=YYYY-MM-DDThh:mm:ss.sssZ");
  req.ts_us = us;
  return req;
}

std::string markread_param(std::optional<int64_t> ts_us) {
  return ts_us ? "timestamp=" + time::iso8601_ms(*ts_us) : "*";
}

int64_t clamp_marker(int64_t ts_us, int64_t now_us) {
  return ts_us > now_us ? now_us : ts_us;
}

bool marker_moves(std::optional<int64_t> stored, int64_t ts_us) {
  return !stored || *stored < ts_us;
}

std::string format_marker_note(const MarkerNote& n) {
  return n.origin + " " + std::to_string(n.session) + " " + n.account + " " +
         std::to_string(n.ts_us) + " " + n.target;
}

std::optional<MarkerNote> parse_marker_note(std::string_view payload) {
  MarkerNote n;
  std::string_view rest = payload;
  n.origin = next_field(rest);
  const std::string_view session = next_field(rest), account = next_field(rest),
                         ts = next_field(rest);
  n.account = account;
  n.target = rest;
  if (n.origin.empty() || n.account.empty() || n.target.empty() ||
      n.target.find(' ') != std::string::npos || !to_number(session, n.session) ||
      !to_number(ts, n.ts_us) || n.ts_us < 0) {
    return std::nullopt;
  }
  return n;
}

}  // namespace pchat::server
