#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <variant>

#include "kafka/client_factory.h"
#include "kafka/empty_range_probe.h"
#include "kafka/kafka_error.h"
#include "offsets/offset_index.h"
#include "offsets/translation.h"

namespace duplex::offsets {

// Steps a translation over gaps on the target that hold no record. An exactly-once flow's
// aborted transactions (a target outage, a crash) leave offsets between two copies that hold
// only aborted records and markers; compaction leaves holes too. translate() stops at such a
// gap (local_target < copied_target), and a consumer placed there re-reads every copy after it.
//
//   translate ─► stops at a gap before a later copy? ─► [1 read it once, read_committed]
//       ▲                                                  │ no record: [2 add_empty] ─┐
//       └──────────────────────────────────────────────────────────────────────────────┘
// 1. Reads are bounded: `reads` per budget (new_budget()), `read_timeout` each, and one read
//    that fails or times out (an open transaction holds it back) ends the budget's reads.
// 2. An empty gap is recorded in the runs, so translation steps over it from then on. A gap
//    holding a record is remembered and not read again (at most `gaps_with_records_kept`).
class GapReader {
 public:
  struct Limits {
    size_t reads = 32;
    std::chrono::milliseconds read_timeout{2000};
    size_t gaps_with_records_kept = 100000;
  };
  // What happened at a gap, for the caller to report; each may be left empty.
  struct Events {
    // Target offsets [from, to) hold no record: translation steps over them.
    std::function<void(const std::string& target_topic, int32_t partition, int64_t from,
                       int64_t to)>
        empty = nullptr;
    // The read failed or timed out: the translation stops at the gap.
    std::function<void(const std::string& target_topic, int32_t partition,
                       const kafka::KafkaError& error)>
        failed = nullptr;
    // Not read, the translation stops at the gap: the budget's reads are used up.
    std::function<void(const std::string& target_topic, int32_t partition, int64_t from)> unread =
        nullptr;
  };

  // How a range [from, to) of a partition is read: the first offset in it holding a record a
  // read_committed consumer reads, `to` when none, or why it could not be read within `timeout`
  // (kafka::EmptyRangeProbe::first_record).
  using FirstRecord = std::function<std::variant<int64_t, kafka::KafkaError>(
      const std::string& topic, int32_t partition, int64_t from, int64_t to,
      std::chrono::milliseconds timeout)>;

  // Reads `cluster`, the target of the runs, with an EmptyRangeProbe made at the first read;
  // `stop` (if given) ends a read within 200 ms.
  GapReader(std::string cluster, kafka::Properties cluster_props, Limits limits, Events events,
            const std::atomic<bool>* stop = nullptr);
  // Reads with `first_record` (a fake log, in tests).
  GapReader(FirstRecord first_record, Limits limits, Events events);

  // A new budget of reads (e.g. a new round).
  void new_budget();

  // `translate_once` until it does not stop at a gap it reads empty into `runs`. `known_record`
  // (if given) says the gap's first offset holds a record without reading it.
  Translation translate(OffsetIndex& runs, const std::string& source_topic,
                        const std::string& target_topic, int32_t partition,
                        const std::function<Translation()>& translate_once,
                        const std::function<bool(int64_t)>& known_record = {});

 private:
  // Reads the target from `from` to the next copy; true when it found empty offsets there.
  bool read(OffsetIndex& runs, const std::string& source_topic, const std::string& target_topic,
            int32_t partition, int64_t from);

  std::string cluster_;
  kafka::Properties cluster_props_;
  Limits limits_;
  Events events_;
  const std::atomic<bool>* stop_;
  FirstRecord first_record_;                              // instead of the probe, if set
  std::unique_ptr<kafka::EmptyRangeProbe> probe_;         // made at the first read
  using Gap = std::tuple<std::string, int32_t, int64_t>;  // source topic, partition, target offset
  std::set<Gap> gaps_with_records_;                       // read: a record is there
  size_t reads_left_;                                     // this budget's
};

}  // namespace duplex::offsets
