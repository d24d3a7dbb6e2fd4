#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "kafka/handles.h"

namespace duplex::demo {

// The demo's application: a member of a consumer group that reads orders and commits what it
// has read. Its group is the one that fails over from east to west.
class AppConsumer {
 public:
  AppConsumer(const std::string& region, const std::string& bootstrap, const std::string& group,
              const std::string& topic);
  ~AppConsumer();  // leaves the group
  AppConsumer(const AppConsumer&) = delete;
  AppConsumer& operator=(const AppConsumer&) = delete;

  // Reads up to `count` orders, stopping early once nothing arrived for `idle` (after the
  // first) or at `timeout`, then commits them. Returns their ids; throws when the commit fails.
  std::vector<std::string> read(size_t count, std::chrono::milliseconds timeout,
                                std::chrono::milliseconds idle);

 private:
  std::string region_;
  kafka::HandlePtr consumer_;
};

}  // namespace duplex::demo
