// A stop always ends: the west sidecar gets SIGTERM again and again while records flow, each
// time with the clusters failing around it — the source broker stopped or paused (SIGSTOP)
// before or just after, the target broker stopped while it settles, both, or neither. Every
// stop must end within the bound, with exit 0 when it could commit and exit 1 with the reason
// when it could not; after the brokers are back, an independent read of west finds every
// record (exactly-once: once).
#include <gtest/gtest.h>

#include <csignal>
#include <iomanip>
#include <random>
#include <thread>

#include "metrics/http_get.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {
namespace {

constexpr int kPartitions = 4;
// The sidecar's documented bound: flush 10 s + commit 5 s + leaving the group 5 s + 10 s.
constexpr auto kStopBound = 30s;

enum class Fault {
  none,
  source_stopped_before,
  source_paused_before,
  source_stopped_after,
  source_paused_after,
  target_stopped_after,  // while it settles what is in flight
  both_stopped_after,
};
constexpr Fault kFaults[] = {Fault::none,
                             Fault::source_stopped_before,
                             Fault::source_paused_before,
                             Fault::source_stopped_after,
                             Fault::source_paused_after,
                             Fault::target_stopped_after,
                             Fault::both_stopped_after};

const char* name_of(Fault f) {
  switch (f) {
    case Fault::none:
      return "none";
    case Fault::source_stopped_before:
      return "source stopped before";
    case Fault::source_paused_before:
      return "source paused before";
    case Fault::source_stopped_after:
      return "source stopped after";
    case Fault::source_paused_after:
      return "source paused after";
    case Fault::target_stopped_after:
      return "target stopped after";
    case Fault::both_stopped_after:
      return "both stopped after";
  }
  return "?";
}

class StopUnderFaults : public TwoRegions {
 protected:
  void run(const std::string& delivery, int stops) {
    const std::string topic = prefix_ + ".orders";
    Cluster(kEast).create_topic(topic, kPartitions);
    const int rounds = 40, per_round = 500;
    std::atomic<bool> writing{true};
    std::atomic<int> written{0};
    std::thread writer([&] {
      // Paced: records keep coming across the stops. A write that meets a stopped or paused
      // east is tried again after it returns, so every round ends up in east once.
      for (int r = 0; r < rounds; ++r) {
        for (int attempt = 0;; ++attempt) {
          try {
            produce_records(kEast, topic, records("east", r * per_round, per_round, kPartitions));
            break;
          } catch (const std::exception&) {
            if (attempt > 20) throw;
          }
        }
        written += per_round;
        std::this_thread::sleep_for(300ms);
      }
      writing = false;
    });

    const std::string extra = "delivery: " + delivery + "\n";
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> copying_ms(200, 1500);
    auto ready = [&] {
      return metrics::http_get(metrics_port("west"), "/readyz").rfind("HTTP/1.1 200", 0) == 0;
    };
    std::ostringstream table;
    for (int i = 0; i < stops; ++i) {
      const Fault fault = kFaults[i % std::size(kFaults)];
      Brokers brokers;  // brought back at the end of the round
      auto sidecar = start_sidecar("west", "east", "", extra);
      ASSERT_TRUE(wait_until(ready, 90s)) << log_of(*sidecar);
      std::this_thread::sleep_for(std::chrono::milliseconds(copying_ms(random)));  // copying
      if (fault == Fault::source_stopped_before) brokers.stop("east");
      if (fault == Fault::source_paused_before) brokers.pause("east");
      const auto stop_at = std::chrono::steady_clock::now();
      sidecar->signal(SIGTERM);
      // Deliberate: the fault lands while the sidecar settles and commits.
      std::this_thread::sleep_for(200ms);
      if (fault == Fault::source_stopped_after || fault == Fault::both_stopped_after) {
        brokers.stop("east");
      }
      if (fault == Fault::source_paused_after) brokers.pause("east");
      if (fault == Fault::target_stopped_after || fault == Fault::both_stopped_after) {
        brokers.stop("west");
      }
      const int code = sidecar->wait(kStopBound + 15s);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_at).count();
      const std::string log = log_of(*sidecar);
      table << "| " << delivery << " | " << name_of(fault) << " | " << code << " | " << std::fixed
            << std::setprecision(1) << seconds << " |\n";
      EXPECT_LE(seconds, std::chrono::duration<double>(kStopBound).count())
          << name_of(fault) << "\n"
          << log;
      if (fault == Fault::none) {
        EXPECT_EQ(code, 0) << log;
      } else {
        EXPECT_TRUE(code == 0 || code == 1) << name_of(fault) << ": exit " << code << "\n" << log;
      }
      if (code == 1) {  // the reason is in the log
        EXPECT_NE(log.find("the final commit failed"), std::string::npos) << name_of(fault) << "\n"
                                                                          << log;
      }
    }
    writer.join();

    // Everything east holds is copied by one last sidecar, with both brokers back.
    auto sidecar = start_sidecar("west", "east", "", extra);
    // Ready first: the group may be committed to the end by the stops already, and a SIGTERM
    // before the sidecar set up its handlers ends it with 143.
    ASSERT_TRUE(wait_until(ready, 90s)) << log_of(*sidecar);
    ASSERT_TRUE(await_flow_committed("west", "east", topic, kPartitions)) << log_of(*sidecar);
    EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
    const auto want = records("east", 0, written, kPartitions);
    auto got = read_all(kWest, topic, want.size(), 120s, 2s);
    auto [missing, duplicates] = missing_and_duplicates(want, got);
    EXPECT_EQ(missing, 0u);
    if (delivery == "exactly-once") {
      EXPECT_EQ(duplicates, 0u);
    }
    std::cout << "| delivery | fault | exit | stop s |\n|---|---|---|---|\n"
              << table.str() << "[ stops ] " << delivery << ": " << stops << " stops, "
              << got.size() << " records read on west, " << missing << " missing, " << duplicates
              << " duplicates\n";
  }
};

TEST_F(StopUnderFaults, AtLeastOnceEveryStopEndsInTimeAndLosesNothing) {
  run("at-least-once", 10);
}

TEST_F(StopUnderFaults, ExactlyOnceEveryStopEndsInTimeAndLosesNothing) {
  run("exactly-once", 10);
}

}  // namespace
}  // namespace duplex::testing
