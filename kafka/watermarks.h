#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace duplex::kafka {

// rd_kafka_query_watermark_offsets, keeping its timeout. In librdkafka 2.0.2 that call waits
// for its ListOffsets answers however long they take (fixed in 2.3.0, librdkafka #4460): with
// the leader unreachable, minutes, and a stop waits with it. rd_kafka_offsets_for_times keeps
// its timeout, and asked for the times -2 and -1 it answers the low and high watermarks.
rd_kafka_resp_err_t query_watermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                                     int64_t* low, int64_t* high,
                                     std::chrono::milliseconds timeout);

// The high watermarks of many partitions in one ListOffsets request per leader (over a slow
// link, one round trip instead of two per partition). A partition whose answer is an error is
// left out of the result; the call's own error is returned as such.
using PartitionEnds = std::map<std::pair<std::string, int32_t>, int64_t>;
rd_kafka_resp_err_t query_high_watermarks(rd_kafka_t* rk,
                                          const std::vector<std::pair<std::string, int32_t>>& tps,
                                          PartitionEnds* ends, std::chrono::milliseconds timeout);

}  // namespace duplex::kafka
