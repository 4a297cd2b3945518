// The mirroring and log-shipping figures as Prometheus gauges, for a pool server's
// /metrics: a thread refreshes them from logship_status.h and
// mirror_state.h every `period`.
//
// Gauges (0 when unknown; see docs/lab.md for their meaning):
//   pchat_logship_{backup,copy,restore}_lag_ms, pchat_logship_{backup,copy,restore}_lag_bytes,
//   pchat_logship_{backup,copy,restore}_alert (0/1), pchat_logship_replay_delay_ms,
//   pchat_logship_alerts (number of alerts firing), pchat_mirror_synchronized (0/1),
//   pchat_mirror_exposed (0/1), pchat_mirror_alert (0/1).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/metrics.h"
#include "core/worker.h"
#include "dr/topology.h"

namespace pchat::dr {

class DrMetrics {
 public:
  // Registers the gauges (call before the registry is shared with other threads).
  DrMetrics(Topology topology, MetricsRegistry& metrics,
            std::chrono::milliseconds period = std::chrono::seconds(5));
  ~DrMetrics();  // stops the thread
  DrMetrics(const DrMetrics&) = delete;
  DrMetrics& operator=(const DrMetrics&) = delete;

  void start();
  void stop();
  void refresh_once();

 private:
  const Topology topology_;
  const std::chrono::milliseconds period_;
  Gauge* lag_ms_[3] = {};
  Gauge* lag_bytes_[3] = {};
  Gauge* stage_alert_[3] = {};
  Gauge* replay_delay_ms_ = nullptr;
  Gauge* alerts_ = nullptr;
  Gauge* mirror_sync_ = nullptr;
  Gauge* mirror_exposed_ = nullptr;
  Gauge* mirror_alert_ = nullptr;
  Worker worker_;
};

// True when the topology has something DrMetrics reports (a mirror, or a backup store
// with log shipping).
bool has_dr_figures(const Topology& t);

}  // namespace pchat::dr
