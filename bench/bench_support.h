#pragma once

#include <sys/types.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "kafka/client_factory.h"

// What duplex_bench and duplex_scale_bench share: clients and the /proc readings of a
// replicator process.
namespace duplex::bench {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t);

kafka::HandlePtr client(const std::string& bootstrap, rd_kafka_type_t type,
                        kafka::Properties ours = {});

struct Usage {
  double cpu_s = -1;    // utime + stime
  double rss_mib = -1;  // peak (VmHWM)
  int threads = -1;     // now
};

// -1s when the process is gone.
Usage usage_of(pid_t pid);

// `v` with `precision` decimals; "-" when negative (not measured).
std::string fixed(double v, int precision);

// A comma-separated list; throws std::invalid_argument naming an item that is no T.
template <class T>
std::vector<T> parse_list(const std::string& text) {
  std::vector<T> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    std::istringstream value(item);
    T v;
    if (!(value >> v)) throw std::invalid_argument("'" + item + "' in '" + text + "'");
    out.push_back(v);
  }
  return out;
}

}  // namespace duplex::bench
