#include "server/history_query.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "core/time.h"
#include "server/server.h"

namespace pchat::server {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Parses exactly `n` digits at s[pos..]; advances pos.
bool take_digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  std::string_view d = s.substr(pos, n);
  if (!all_digits(d)) return false;
  out = 0;
  for (char c : d) out = out * 10 + (c - '0');
  pos += n;
  return true;
}

bool take_char(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

HistoryError invalid(const std::string& sub, const std::string& param, std::string why) {
  return HistoryError{"INVALID_PARAMS", {sub, param}, std::move(why)};
}

// The window part "strictly after `p`" / "strictly before `p`" / "from `p` on".
void set_after(store::HistoryWindow& w, const RefPos& p) {
  if (p.has_id) {
    w.min_id = p.id + 1;
  } else {
    w.from_us = p.ts_us + p.span_us;
  }
}
void set_before(store::HistoryWindow& w, const RefPos& p) {
  if (p.has_id) {
    w.max_id = p.id - 1;
  } else {
    w.until_us = p.ts_us;
  }
}
void set_from(store::HistoryWindow& w, const RefPos& p) {
  if (p.has_id) {
    w.min_id = p.id;
  } else {
    w.from_us = p.ts_us;
  }
}

// -1 if `a` comes before `b` in the conversation, 1 if after, 0 if neither.
int compare(const RefPos& a, const RefPos& b) {
  if (a.has_id && b.has_id) return a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
  return a.ts_us < b.ts_us ? -1 : (a.ts_us > b.ts_us ? 1 : 0);
}

}  // namespace

std::optional<int64_t> parse_timestamp(std::string_view s, int64_t* span_us) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!take_digits(s, pos, 4, year) || !take_char(s, pos, '-') || !take_digits(s, pos, 2, month) ||
      !take_char(s, pos, '-') || !take_digits(s, pos, 2, day) || !take_char(s, pos, 'T') ||
      !take_digits(s, pos, 2, hour) || !take_char(s, pos, ':') || !take_digits(s, pos, 2, minute) ||
      !take_char(s, pos, ':') || !take_digits(s, pos, 2, second)) {
    return std::nullopt;
  }
  int64_t frac_us = 0, span = 1000000;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    size_t n = pos - start;
    if (n < 1 || n > 6) return std::nullopt;
    for (size_t i = 0; i < 6; ++i) {
      frac_us = frac_us * 10 + (i < n ? s[start + i] - '0' : 0);
    }
    span = 1;
    for (size_t i = n; i < 6; ++i) span *= 10;
  }
  if (!take_char(s, pos, 'Z') || pos != s.size()) return std::nullopt;
  const auto date =
      time::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  if (!date || year < 1970 || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int64_t secs = *date * 86400 + hour * 3600 + minute * 60 + second;
  if (span_us != nullptr) *span_us = span;
  return secs * 1000000 + frac_us;
}

std::optional<MsgRef> parse_msgref(std::string_view text, bool allow_star) {
  MsgRef ref;
  if (text == "*") {
    if (!allow_star) return std::nullopt;
    ref.kind = MsgRef::Kind::kStar;
    return ref;
  }
  constexpr std::string_view kMsgid = "msgid=", kTimestamp = "timestamp=";
  if (text.substr(0, kMsgid.size()) == kMsgid) {
    if (text.size() == kMsgid.size()) return std::nullopt;
    ref.kind = MsgRef::Kind::kMsgid;
    ref.msgid = std::string(text.substr(kMsgid.size()));
    return ref;
  }
  if (text.substr(0, kTimestamp.size()) == kTimestamp) {
    auto ts = parse_timestamp(text.substr(kTimestamp.size()), &ref.span_us);
    if (!ts) return std::nullopt;
    ref.kind = MsgRef::Kind::kTimestamp;
    ref.ts_us = *ts;
    return ref;
  }
  return std::nullopt;
}

std::optional<int> parse_limit(std::string_view text) {
  if (!all_digits(text)) return std::nullopt;
  // Long digit strings: clamp rather than overflow.
  while (text.size() > 1 && text[0] == '0') text.remove_prefix(1);
  if (text.size() > 9) return kChathistoryMaxLimit;
  int v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  if (v <= 0) return std::nullopt;
  return std::min(v, kChathistoryMaxLimit);
}

std::variant<HistoryRequest, HistoryError> parse_history_request(
    const std::vector<std::string>& params) {
  if (params.empty()) return HistoryError{"NEED_MORE_PARAMS", {}, "Missing parameters"};
  HistoryRequest req;
  req.sub_name = upper(params[0]);
  static const std::array<std::pair<const char*, HistorySub>, 6> kSubs = {{
      {"LATEST", HistorySub::kLatest},
      {"BEFORE", HistorySub::kBefore},
      {"AFTER", HistorySub::kAfter},
      {"AROUND", HistorySub::kAround},
      {"BETWEEN", HistorySub::kBetween},
      {"TARGETS", HistorySub::kTargets},
  }};
  bool known = false;
  for (const auto& [name, sub] : kSubs) {
    if (req.sub_name == name) {
      req.sub = sub;
      known = true;
    }
  }
  if (!known) return HistoryError{"UNKNOWN_COMMAND", {params[0]}, "Unknown subcommand"};
  const bool two_refs = req.sub == HistorySub::kBetween || req.sub == HistorySub::kTargets;
  const size_t needed = req.sub == HistorySub::kBetween ? 5 : 4;
  if (params.size() < needed) {
    return HistoryError{"NEED_MORE_PARAMS", {req.sub_name}, "Missing parameters"};
  }
  size_t i = 1;
  if (req.sub != HistorySub::kTargets) req.target = params[i++];
  if (req.target.empty() && req.sub != HistorySub::kTargets) {
    return invalid(req.sub_name, "*", "Invalid target");
  }
  auto ref = [&](const std::string& text, MsgRef& out) -> std::optional<HistoryError> {
    auto r = parse_msgref(text, req.sub == HistorySub::kLatest);
    if (!r) {
      return invalid(req.sub_name, text,
                     "Invalid message reference: use msgid=<id> or "
                     "timestamp=YYYY-MM-DDThh:mm:ss.sssZ" +
                         std::string(req.sub == HistorySub::kLatest ? " or *" : ""));
    }
    if (req.sub == HistorySub::kTargets && r->kind != MsgRef::Kind::kTimestamp) {
      return invalid(req.sub_name, text, "TARGETS takes timestamp=YYYY-MM-DDThh:mm:ss.sssZ bounds");
    }
    out = std::move(*r);
    return std::nullopt;
  };
  if (auto e = ref(params[i++], req.a)) return *e;
  if (two_refs) {
    if (auto e = ref(params[i++], req.b)) return *e;
  }
  auto limit = parse_limit(params[i]);
  if (!limit) return invalid(req.sub_name, params[i], "Invalid limit: use a number from 1");
  req.limit = *limit;
  return req;
}

std::vector<HistoryRead> plan_reads(const HistoryRequest& req, const std::optional<RefPos>& a,
                                    const std::optional<RefPos>& b) {
  std::vector<HistoryRead> reads;
  HistoryRead r;
  r.limit = req.limit;
  switch (req.sub) {
    case HistorySub::kLatest:
      if (a) set_after(r.window, *a);
      r.newest_first = true;
      reads.push_back(r);
      break;
    case HistorySub::kBefore:
      if (!a) break;
      set_before(r.window, *a);
      r.newest_first = true;
      reads.push_back(r);
      break;
    case HistorySub::kAfter:
      if (!a) break;
      set_after(r.window, *a);
      reads.push_back(r);
      break;
    case HistorySub::kAround: {
      if (!a) break;
      HistoryRead before = r, rest = r;
      before.limit = req.limit / 2;
      before.newest_first = true;
      set_before(before.window, *a);
      rest.limit = req.limit - before.limit;
      set_from(rest.window, *a);
      if (before.limit > 0) reads.push_back(before);
      reads.push_back(rest);
      break;
    }
    case HistorySub::kBetween: {
      if (!a || !b) break;
      int dir = compare(*a, *b);
      if (dir == 0) break;
      const RefPos& lo = dir < 0 ? *a : *b;
      const RefPos& hi = dir < 0 ? *b : *a;
      set_after(r.window, lo);
      set_before(r.window, hi);
      r.newest_first = dir > 0;  // counting from the first reference
      reads.push_back(r);
      break;
    }
    case HistorySub::kTargets:
      break;
  }
  return reads;
}

std::vector<irc::Tag> parse_stored_tags(std::string_view wire) {
  std::vector<irc::Tag> out;
  while (!wire.empty()) {
    auto semi = wire.find(';');
    auto item = wire.substr(0, semi);
    wire = semi == std::string_view::npos ? std::string_view{} : wire.substr(semi + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    irc::Tag t;
    t.key = std::string(item.substr(0, eq));
    if (eq != std::string_view::npos) irc::append_unescaped_tag_value(t.value, item.substr(eq + 1));
    out.push_back(std::move(t));
  }
  return out;
}

irc::Message history_message(const store::HistoryRow& row, const std::string& target) {
  irc::Message m;
  m.tags = parse_stored_tags(row.tags);
  m.tags.push_back({"msgid", row.msgid});
  m.tags.push_back({"time", time::iso8601_ms(row.ts_us)});
  if (row.account) m.tags.push_back({"account", *row.account});
  m.source = row.sender;
  m.command = row.command;
  m.params.push_back(target);
  if (row.command != "TAGMSG") m.params.push_back(row.body);
  return m;
}

}  // namespace pchat::server
