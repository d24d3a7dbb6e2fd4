#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "conflict/home_log.h"
#include "kafka/client_factory.h"
#include "kafka/handles.h"

namespace duplex::conflict {

// The home cluster behind HomeLog, on librdkafka: a consumer with a manual assignment (no
// group, no commits, read_committed), a second one that reads single records back by offset,
// and an idempotent producer for repairs (acks=all, no message timeout: a home cluster that is
// away delays repairs, it does not drop them). A fatal producer error replaces the producer:
// what was in flight is reported failed, so the reader writes it again.
// Registers `this` with librdkafka: neither copyable nor movable.
class KafkaHomeLog : public HomeLog {
 public:
  // `stop`: a produce waiting for room in a full queue gives up when it is set.
  KafkaHomeLog(const std::string& region, const kafka::Properties& cluster_props,
               const std::atomic<bool>& stop,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~KafkaHomeLog() override;
  KafkaHomeLog(const KafkaHomeLog&) = delete;
  KafkaHomeLog& operator=(const KafkaHomeLog&) = delete;

  kafka::Result<std::map<std::string, int>> topics() override;
  kafka::Result<Ends> ends(const std::string& topic, int32_t partition) override;
  kafka::KafkaError read(const std::vector<Start>& starts) override;
  std::optional<HomeRecord> poll(std::chrono::milliseconds wait) override;
  std::optional<int64_t> position(const std::string& topic, int32_t partition) override;
  kafka::Result<std::optional<HomeRecord>> read_at(const std::string& topic, int32_t partition,
                                                   int64_t offset) override;
  kafka::KafkaError write(const Repair& repair, uint64_t token) override;
  std::vector<Ack> take_acks(std::chrono::milliseconds wait) override;

 private:
  kafka::HandlePtr make_consumer(const std::string& role);
  void make_producer();
  void replace_producer();
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  std::string region_;
  kafka::Properties props_;
  const std::atomic<bool>& stop_;
  std::chrono::milliseconds timeout_;
  kafka::HandlePtr reader_;
  kafka::HandlePtr back_reader_;
  kafka::HandlePtr producer_;
  // The reader's assignment: where each partition continues (assign() takes the whole list).
  std::map<std::pair<std::string, int32_t>, int64_t> next_;
  std::vector<Ack> acks_;  // filled by on_delivery, from take_acks()
  std::atomic<bool> fatal_{false};
};

}  // namespace duplex::conflict
