#pragma once

#include <librdkafka/rdkafka.h>
// clang-format off: rdkafka_mock.h must follow rdkafka.h
#include <librdkafka/rdkafka_mock.h>
// clang-format on

#include <string>
#include <vector>

#include "kafka/handles.h"

namespace duplex::kafka {

// One of librdkafka's in-process mock clusters: a region without a real broker.
// It lacks the Admin API, so topics are created here, before duplex looks for them.
// Used by `duplex demo` and the mock test tier.
class MockCluster {
 public:
  explicit MockCluster(int brokers = 1);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  void create_topic(const std::string& topic, int partitions);
  // The topics a sidecar of region `home` writes on its cluster, pulling from `remotes`.
  void create_duplex_topics(const std::vector<std::string>& remotes);
  // The region is lost: its broker stops answering.
  void set_down();
  // It answers again.
  void set_up();
  // Kafka protocol API keys, for fail_next() (librdkafka does not publish its RD_KAFKAP_*).
  static constexpr int16_t kProduce = 0;
  static constexpr int16_t kFetch = 1;
  static constexpr int16_t kListOffsets = 2;
  static constexpr int16_t kJoinGroup = 11;
  static constexpr int16_t kEndTxn = 26;
  // The next request of kind `api` fails with `error`.
  void fail_next(int16_t api, rd_kafka_resp_err_t error);
  // Requests of kind `api` are answered again (the failures fail_next() queued are dropped).
  void clear_failures(int16_t api);
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  HandlePtr host_;  // the client that owns the mock cluster's threads
  int brokers_;
  rd_kafka_mock_cluster_t* cluster_;
  std::string bootstrap_;
};

}  // namespace duplex::kafka
