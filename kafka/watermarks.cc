#include "kafka/watermarks.h"

#include <algorithm>

#include "kafka/handles.h"

namespace duplex::kafka {

rd_kafka_resp_err_t query_watermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                                     int64_t* low, int64_t* high,
                                     std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  // One request each, as librdkafka does (KAFKA-1588): a list may not name a partition twice.
  for (auto [time, out] :
       {std::pair{RD_KAFKA_OFFSET_BEGINNING, low}, {RD_KAFKA_OFFSET_END, high}}) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = time;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (auto err = rd_kafka_offsets_for_times(
            rk, list.get(), static_cast<int>(std::max<int64_t>(left.count(), 1)))) {
      return err;
    }
    if (auto err = list->elems[0].err) return err;
    *out = list->elems[0].offset;
  }
  if (*low < 0 && *high >= 0) *low = *high;  // an empty partition answers only its end
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t query_high_watermarks(rd_kafka_t* rk,
                                          const std::vector<std::pair<std::string, int32_t>>& tps,
                                          PartitionEnds* ends, std::chrono::milliseconds timeout) {
  ends->clear();
  if (tps.empty()) return RD_KAFKA_RESP_ERR_NO_ERROR;
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const auto& [topic, partition] : tps) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset =
        RD_KAFKA_OFFSET_END;
  }
  if (auto err = rd_kafka_offsets_for_times(
          rk, list.get(), static_cast<int>(std::max<int64_t>(timeout.count(), 1)))) {
    return err;
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (!e.err && e.offset >= 0) (*ends)[{e.topic, e.partition}] = e.offset;
  }
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace duplex::kafka
