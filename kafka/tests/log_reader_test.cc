#include "kafka/log_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "kafka/mock_cluster.h"

namespace duplex::kafka {
namespace {

using namespace std::chrono_literals;

// A stop ends a read within a slice, whatever the request timeout: an exactly-once partition
// that starts while its cluster goes away must not hold the stop for the whole timeout.
TEST(LogReader, AStopEndsAReadOfAClusterThatIsAwayWithinASlice) {
  MockCluster cluster;
  cluster.create_topic("progress", 1);
  std::atomic<bool> stop{false};
  LogReader reader("west", {{"bootstrap.servers", cluster.bootstrap()}}, "progress", &stop);
  ASSERT_FALSE(reader.read_new([](const rd_kafka_message_t&) {}, 10s));
  cluster.set_down();
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto err = reader.read_new([](const rd_kafka_message_t&) {}, 15s);
  const auto took = std::chrono::steady_clock::now() - start;
  stopper.join();
  EXPECT_TRUE(err);
  EXPECT_LT(took, 2s) << std::chrono::duration<double>(took).count() << " s: " << err.message();
}

}  // namespace
}  // namespace duplex::kafka
