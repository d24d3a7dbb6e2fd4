#pragma once

#include <chrono>
#include <ostream>

namespace duplex::demo {

struct DemoOptions {
  std::chrono::seconds duration{20};  // how long both regions keep writing
  int rate = 200;                     // orders per second written in each region
};

// `duplex demo`: active-active replication between two regions inside one process, no Kafka
// needed.
//
// 1. Two librdkafka mock clusters, "east" and "west", each with topic `orders` (4 partitions)
//    and `duplex.heartbeats`.
// 2. Two sidecars in-process: east->west (home west) and west->east (home east).
// 3. A writer in each region produces keyed orders at `rate` per second for `duration`.
// 4. Every second, a status view: per flow, records copied, rate, lag, loops prevented, p99.
// 5. Writers stop; once caught up, both regions are read back by an independent consumer and
//    checked: each holds every order of both regions exactly once, with the right origin.
//
// Returns 0 only when every check passes.
int run_demo(const DemoOptions& options, std::ostream& out);

}  // namespace duplex::demo
