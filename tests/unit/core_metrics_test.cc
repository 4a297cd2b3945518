#include "core/metrics.h"

#include <gtest/gtest.h>

namespace pchat {
namespace {

TEST(Metrics, RendersCountersGaugesAndCumulativeBuckets) {
  MetricsRegistry reg;
  Counter& c = reg.counter("x_total", "Things");
  Gauge& g = reg.gauge("y", "Level");
  Histogram& h = reg.histogram("z_seconds", "Latency", {0.1, 1});
  c.inc(3);
  g.set(-2);
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string out = reg.render();
  EXPECT_NE(out.find("# TYPE x_total counter\nx_total 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("# TYPE y gauge\ny -2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("z_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("z_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("z_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("z_seconds_sum 5.55\n"), std::string::npos) << out;
  EXPECT_NE(out.find("z_seconds_count 3\n"), std::string::npos) << out;
}

TEST(Metrics, BoundaryValueFallsInItsBucket) {
  Histogram h({1, 2});
  h.observe(1);  // le="1" is inclusive
  std::string out;
  h.render(out, "h");
  EXPECT_NE(out.find("h_bucket{le=\"1\"} 1\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace pchat
