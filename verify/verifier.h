#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/topic_namer.h"
#include "conflict/region_ranks.h"
#include "kafka/kafka_error.h"
#include "offsets/offset_index.h"
#include "verify/range_reader.h"
#include "verify/verify_state.h"

namespace duplex::verify {

// Verifies a flow's copy (source -> home), partition by partition:
//
//   [1 plan] ─► per partition: [2 newest versions] ─► per chunk: [3 read source] ─►
//   [4 read target window] ─► [5 compare] ─► [6 save state, progress] ─► next chunk
//
// 1. Source topics the flow copies (and --topic selects), each partition's range: from its log
//    start, --from-offset or the first offset at --since, to its high watermark now; a
//    partition in the resume state keeps its range and goes on where it stopped.
// 2. Last-writer-wins topics: the target partition's newest version of each key (read whole).
// 3. The source range's chunk, read_committed.
// 4. The offset syncs map the chunk to a target window: [to_target(from), to_target(to)),
//    read on a thread of its own while step 3 reads the source.
// 5. PartitionCheck; 6. the state file, after every chunk.
class Verifier {
 public:
  struct Options {
    std::optional<std::string> topic_regex;  // whole-name match on source topics
    std::optional<int64_t> from_offset;
    std::optional<int64_t> since_ms;
    int64_t chunk = 20000;  // source offsets per chunk
  };
  struct Parts {
    const config::Config& config;
    const config::Flow& flow;
    RangeReader& source;
    RangeReader& target;
    const offsets::OffsetIndex& runs;
    VerifyState& state;
    const std::atomic<bool>* stop = nullptr;
    // After each chunk: the partition, and the records read so far over all partitions.
    std::function<void(const PartitionState&, int64_t records_read)> progress;
    bool save_state = false;  // --resume given: write the state after every chunk
  };
  Verifier(Parts parts, Options options);

  // Steps 1 to 6; the states are in the VerifyState. An error stops it (what was verified is
  // kept there).
  kafka::KafkaError run();

  std::string target_topic(const std::string& source_topic) const;
  int64_t records_read() const { return records_read_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  kafka::KafkaError plan();
  kafka::KafkaError verify(PartitionState& state);
  // Step 4: the copies of source range [from, to), on its own thread (bytes counted apart).
  kafka::KafkaError read_window(const std::string& target, const std::string& source_topic,
                                int32_t partition, int64_t from, int64_t to,
                                std::vector<VerifyRecord>& copies, uint64_t& bytes);
  kafka::KafkaError save();

  Parts parts_;
  Options options_;
  config::TopicNamer namer_;
  std::optional<conflict::RegionRanks> ranks_;
  int64_t records_read_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace duplex::verify
