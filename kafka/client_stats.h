#pragma once

#include <string_view>

namespace duplex::kafka {

// The few figures duplex exports from librdkafka's statistics JSON (statistics.interval.ms).
struct ClientStats {
  double max_broker_rtt_seconds = -1;  // slowest broker's average round-trip time; -1: none yet
  long queued_messages = -1;           // top-level msg_cnt: messages in the client's queues
};

// Reads them from one statistics document. Only these fields are looked for, by name, in
// librdkafka's layout: "msg_cnt":N at the top level, and each broker's
// "rtt": { ... "avg":N ... } in microseconds. For a consumer, rtt includes fetch long-polls
// (up to fetch.wait.max.ms) when the source is idle.
ClientStats parse_client_stats(std::string_view json);

}  // namespace duplex::kafka
