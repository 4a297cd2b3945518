#include "dr/arbiter/witness_book.h"

namespace pchat::dr {

using nlohmann::json;

WitnessBook::WitnessBook(std::vector<std::string> stores, int64_t after_ms, int64_t now_ms)
    : after_ms_(after_ms) {
  for (auto& s : stores) seen_[s] = Seen{false, false, 0, now_ms};
}

void WitnessBook::observe(const std::string& store, bool answers, bool writable, int64_t epoch,
                          int64_t now_ms) {
  auto it = seen_.find(store);
  if (it == seen_.end()) return;
  it->second.answers = answers;
  if (!answers) return;
  it->second.writable = writable;
  it->second.epoch = epoch;
  it->second.last_seen_ms = now_ms;
  // A writable store carrying a higher epoch than the primary held is the primary
  // (a failover the operator ran, or the first probe); a lower one never is.
  if (writable && (primary_.empty() || epoch > primary_epoch_)) {
    primary_ = store;
    primary_epoch_ = epoch;
  }
}

void WitnessBook::observe_other(const std::string& store, bool answers, bool writable,
                                int64_t epoch) {
  others_[store] = Seen{answers, answers && writable, epoch, 0};
}

void WitnessBook::report(const std::string& store, const json& what, int64_t now_ms) {
  if (seen_.count(store) == 0) return;
  reports_[store] = {what, now_ms};
}

int64_t WitnessBook::unseen_ms(const std::string& store, int64_t now_ms) const {
  auto it = seen_.find(store);
  if (it == seen_.end()) return 0;
  return it->second.answers ? 0 : now_ms - it->second.last_seen_ms;
}

void WitnessBook::hold(int64_t until_ms, std::string by) {
  hold_until_ms_ = until_ms;
  hold_by_ = std::move(by);
}

int64_t WitnessBook::held_ms(int64_t now_ms) const {
  return hold_until_ms_ > now_ms ? hold_until_ms_ - now_ms : 0;
}

WitnessGrant WitnessBook::grant(const std::string& from, const std::string& to,
                                const std::string& why, int64_t now_ms,
                                const std::string& wall_time) {
  auto refuse = [&](std::string reason) {
    ++refusals_;
    return WitnessGrant{false, std::move(reason)};
  };
  if (seen_.count(from) == 0 || seen_.count(to) == 0 || from == to) {
    return refuse("unknown stores '" + from + "' -> '" + to + "'");
  }
  if (!auto_) return refuse("automatic failover is off");
  if (const int64_t held = held_ms(now_ms); held > 0) {
    return refuse("an operator's failover is under way (" + hold_by_ + "), held for " +
                  std::to_string(held) + " ms more");
  }
  if (!primary_.empty() && primary_ != from) {
    return refuse("the witness holds the " + primary_ + " as the primary, not the " + from);
  }
  const int64_t unseen = unseen_ms(from, now_ms);
  if (unseen < after_ms_) {
    return refuse("the witness saw the " + from + " " + std::to_string(unseen) + " ms ago");
  }
  if (!seen_.at(to).answers) return refuse("the witness does not see the " + to);
  for (const auto& [name, o] : others_) {
    if (o.writable) {
      return refuse("the " + name + " is writable (epoch " + std::to_string(o.epoch) +
                    "): the pool is failed over to another datacenter; that stays the "
                    "operator's call");
    }
  }
  ++grants_;
  primary_ = to;
  primary_epoch_ = seen_.at(from).epoch + 1;
  last_failover_ = {{"at", wall_time},         {"from", from}, {"to", to},
                    {"epoch", primary_epoch_}, {"why", why},   {"witness_unseen_ms", unseen}};
  return {true, "granted: the " + to + " becomes the primary"};
}

json WitnessBook::view(int64_t now_ms) const {
  json stores = json::object();
  for (const auto& [name, s] : seen_) {
    stores[name] = {{"answers", s.answers},
                    {"writable", s.writable},
                    {"epoch", s.epoch},
                    {"unseen_ms", unseen_ms(name, now_ms)}};
  }
  for (const auto& [name, s] : others_) {
    stores[name] = {{"answers", s.answers}, {"writable", s.writable}, {"epoch", s.epoch}};
  }
  json agents = json::object();
  for (const auto& [name, r] : reports_) {
    json a = r.first;
    a["age_ms"] = now_ms - r.second;
    agents[name] = a;
  }
  json hold = nullptr;
  if (const int64_t held = held_ms(now_ms); held > 0) hold = {{"by", hold_by_}, {"left_ms", held}};
  return {{"auto", auto_},
          {"hold", hold},
          {"primary", primary_},
          {"after_ms", after_ms_},
          {"primary_epoch", primary_epoch_},
          {"stores", stores},
          {"agents", agents},
          {"last_failover", last_failover_},
          {"grants", grants_},
          {"refusals", refusals_}};
}

json WitnessBook::state() const {
  return {{"auto", auto_},
          {"primary", primary_},
          {"primary_epoch", primary_epoch_},
          {"last_failover", last_failover_}};
}

void WitnessBook::restore(const json& st) {
  if (!st.is_object()) return;
  auto_ = st.value("auto", true);
  primary_ = st.value("primary", std::string());
  if (seen_.count(primary_) == 0) primary_.clear();
  primary_epoch_ = st.value("primary_epoch", int64_t{0});
  if (st.contains("last_failover")) last_failover_ = st["last_failover"];
}

}  // namespace pchat::dr
