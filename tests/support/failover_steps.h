#pragma once
// Steps of the real-Kafka failover tests: `duplex failover` run as a command, and the waits
// that make its plan exact (checkpoints taken after everything was copied both ways).

#include <algorithm>
#include <cstdint>
#include <regex>
#include <string>

#include "kafka/timestamps.h"
#include "tests/support/command.h"
#include "tests/support/two_regions.h"

namespace duplex::testing {

// The duplex binary the tests run (the build's, unless the environment names another).
inline std::string duplex_binary() {
  return env_or("DUPLEX_BINARY", DUPLEX_BINARY);
}

// The sum of one numeric field over a failover --output json answer.
inline int64_t sum_field(const std::string& json, const std::string& field) {
  std::regex re("\"" + field + "\":(-?[0-9]+)");
  int64_t sum = 0;
  for (std::sregex_iterator it(json.begin(), json.end(), re), end; it != end; ++it) {
    sum += std::stoll((*it)[1]);
  }
  return sum;
}

// The largest value of one numeric field over a failover --output json answer (0 if none).
inline double max_field(const std::string& json, const std::string& field) {
  std::regex re("\"" + field + "\":([0-9.]+)");
  double max = 0;
  for (std::sregex_iterator it(json.begin(), json.end(), re), end; it != end; ++it) {
    max = std::max(max, std::stod((*it)[1]));
  }
  return max;
}

class FailoverSteps : public TwoRegions {
 protected:
  // `duplex failover` with the config of `home`.
  Outcome failover(const std::string& home, const std::string& from, const std::string& args) {
    return run_command(duplex_binary() + " failover --config " + config_path(home).string() +
                       " --from " + from + " " + args);
  }
  // `duplex offsets translate` with the config of `home`.
  Outcome offsets_translate(const std::string& home, const std::string& from,
                            const std::string& args) {
    return run_command(duplex_binary() + " offsets translate --config " +
                       config_path(home).string() + " --from " + from + " " + args);
  }

  // Waits until the home region's newest checkpoints of `group` say it committed `committed`
  // records' worth of offsets on the source (their sum over partitions), taken when everything
  // on the source was copied, and every one of them after `taken_after_ms` (wall clock). (A
  // checkpoint taken within a commit interval of the copy does not know where the newest
  // copies are yet: it is conservative, and the next one is exact.)
  void await_checkpoint(const std::string& home, const std::string& from, const std::string& group,
                        int64_t committed, int64_t taken_after_ms = 0) {
    Outcome plan;
    bool seen = wait_until(
        [&] {
          const int64_t asked_at = kafka::now_ms();
          plan = failover(home, from, "--group " + group + " --dry-run --output json");
          // Each checkpoint was taken at (asked_at - its age) or later.
          const auto oldest_age_ms =
              static_cast<int64_t>(max_field(plan.output, "checkpoint_age_seconds") * 1000) + 1;
          // An unknown count (null) is not 0: sum_field skips it, so it is ruled out here.
          return plan.exit_code == 0 && sum_field(plan.output, "source_offset") == committed &&
                 sum_field(plan.output, "not_copied") == 0 &&
                 plan.output.find("\"not_copied\":null") == std::string::npos &&
                 asked_at - oldest_age_ms > taken_after_ms;
        },
        60s);
    ASSERT_TRUE(seen) << plan.output;
  }

  // Active-active: waits until the reverse flow (home -> from) has copied and committed all of
  // the home region's topic; returns when (wall clock, ms). Only a checkpoint taken after that
  // has an exact count of re-reads: before, records the group read as copies on the source may
  // not have their runs written yet, and the checkpoint is conservative (translation.h).
  int64_t await_reverse_settled(const std::string& home, const std::string& from,
                                const std::string& topic, int partitions) {
    EXPECT_TRUE(await_flow_committed(from, home, topic, partitions));
    return kafka::now_ms();
  }
};

}  // namespace duplex::testing
