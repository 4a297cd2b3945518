#include "dr/monitor/dr_metrics.h"

#include "dr/monitor/logship_status.h"
#include "dr/monitor/mirror_state.h"

namespace pchat::dr {

namespace {

constexpr const char* kStages[] = {"backup", "copy", "restore"};

bool has_log_shipping(const Topology& t) {
  return t.store(StoreRole::kBackup) != nullptr && !t.log_shipping.backup_share.empty();
}

}  // namespace

bool has_dr_figures(const Topology& t) {
  return t.store(StoreRole::kMirror) != nullptr || has_log_shipping(t);
}

DrMetrics::DrMetrics(Topology topology, MetricsRegistry& m, std::chrono::milliseconds period)
    : topology_(std::move(topology)), period_(period) {
  for (int i = 0; i < 3; ++i) {
    const std::string s = kStages[i];
    lag_ms_[i] =
        &m.gauge("pchat_logship_" + s + "_lag_ms", "log shipping: " + s + " stage lag (ms)");
    lag_bytes_[i] =
        &m.gauge("pchat_logship_" + s + "_lag_bytes", "log shipping: " + s + " stage lag (bytes)");
    stage_alert_[i] = &m.gauge("pchat_logship_" + s + "_alert",
                               "log shipping: 1 when the " + s + " lag is over its threshold");
  }
  replay_delay_ms_ = &m.gauge("pchat_logship_replay_delay_ms",
                              "primary's last commit time minus the backup store's last replayed");
  alerts_ = &m.gauge("pchat_logship_alerts", "log shipping: number of alerts firing");
  mirror_sync_ = &m.gauge("pchat_mirror_synchronized", "1 when every commit is on the mirror");
  mirror_exposed_ =
      &m.gauge("pchat_mirror_exposed", "1 when the primary runs exposed (without its mirror)");
  mirror_alert_ = &m.gauge("pchat_mirror_alert", "1 when mirroring needs attention");
}

DrMetrics::~DrMetrics() {
  stop();
}

void DrMetrics::start() {
  worker_.start([this] {
    do {
      refresh_once();
    } while (worker_.wait_for(period_));
  });
}

void DrMetrics::stop() {
  worker_.stop();
}

void DrMetrics::refresh_once() {
  if (has_log_shipping(topology_)) {
    auto s = collect_logship_status(topology_);
    for (int i = 0; i < 3; ++i) {
      const auto& st = s["stages"][i];
      lag_ms_[i]->set(static_cast<int64_t>(st["lag_s"].get<double>() * 1000));
      lag_bytes_[i]->set(static_cast<int64_t>(st["lag_bytes"].get<uint64_t>()));
      stage_alert_[i]->set(st["alert"].get<bool>() ? 1 : 0);
    }
    replay_delay_ms_->set(s["replay_delay_s"].is_null()
                              ? 0
                              : static_cast<int64_t>(s["replay_delay_s"].get<double>() * 1000));
    alerts_->set(static_cast<int64_t>(s["alerts"].size()));
  }
  if (topology_.store(StoreRole::kMirror) != nullptr) {
    auto m = probe_mirror(topology_);
    const std::string state = m["state"].get<std::string>();
    mirror_sync_->set(state == "synchronized" ? 1 : 0);
    mirror_exposed_->set(state == "exposed" ? 1 : 0);
    mirror_alert_->set(m["alert"].get<bool>() ? 1 : 0);
  }
}

}  // namespace pchat::dr
