#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include "metrics/replication_metrics.h"

namespace duplex::metrics {

TEST(Exposition, SumsSamplesWithMatchingLabels) {
  ReplicationMetrics m("t");
  m.lag("a->b", "orders", 0).Set(3);
  m.lag("a->b", "orders", 1).Set(4);
  m.lag("a->b", "orders2", 0).Set(100);
  m.lag("c->b", "orders", 0).Set(1000);
  auto text = m.serialize();
  EXPECT_EQ(sum_samples(text, "duplex_lag_records", {{"flow", "a->b"}, {"topic", "orders"}}), 7);
  EXPECT_EQ(sum_samples(text, "duplex_lag_records", {{"flow", "a->b"}}), 107);
  EXPECT_EQ(sum_samples(text, "duplex_lag_records"), 1107);
  EXPECT_EQ(sum_samples(text, "duplex_lag"), 0);  // a prefix is not a name
  EXPECT_EQ(count_samples(text, "duplex_lag_records", {{"flow", "a->b"}}), 3);
}

TEST(Exposition, SmallestSampleOrNone) {
  ReplicationMetrics m("t");
  m.checkpoint_age("a->b", "g1").Set(7.5);
  m.checkpoint_age("a->b", "g2").Set(2.5);
  m.checkpoint_age("c->b", "g1").Set(1);
  auto text = m.serialize();
  EXPECT_EQ(min_sample(text, "duplex_checkpoint_age_seconds", {{"flow", "a->b"}}), 2.5);
  EXPECT_EQ(min_sample(text, "duplex_checkpoint_age_seconds"), 1);
  EXPECT_FALSE(min_sample(text, "duplex_checkpoint_age_seconds", {{"flow", "x->b"}}));
}

TEST(Exposition, HistogramQuantileInterpolatesInsideBuckets) {
  ReplicationMetrics m("t");
  auto& h = m.latency("a->b");
  EXPECT_EQ(histogram_quantile(m.serialize(), "duplex_replication_latency_seconds", 0.99), -1);
  for (int i = 0; i < 100; ++i)
    h.Observe(i < 90 ? 0.003 : 0.2);  // 90 in (2.5ms,5ms], 10 in (100ms,250ms]
  auto text = m.serialize();
  double p50 = histogram_quantile(text, "duplex_replication_latency_seconds", 0.5);
  double p99 = histogram_quantile(text, "duplex_replication_latency_seconds", 0.99);
  EXPECT_GT(p50, 0.0025);
  EXPECT_LE(p50, 0.005);
  EXPECT_GT(p99, 0.1);
  EXPECT_LE(p99, 0.25);
}

}  // namespace duplex::metrics
