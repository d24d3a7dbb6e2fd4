#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/topic_namer.h"
#include "kafka/kafka_error.h"
#include "offsets/gap_reader.h"
#include "offsets/offset_index.h"
#include "offsets/offset_records.h"
#include "offsets/translation.h"

namespace duplex::offsets {

// Where a consumer at a source offset continues on the home cluster, from what the home
// cluster holds: the flow's runs (duplex.offset-syncs.<source>) and, for a group, its
// checkpoints (duplex.checkpoints.<source>). See translate_on_target(). Where that stops at a
// gap before a later copy, the gap is read as the checkpointer reads it (GapReader): one that
// holds no record is stepped over, so both give the same answer.
class OffsetTranslator {
 public:
  OffsetTranslator(const config::Config& config, const config::Flow& flow,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The gap reader's reports point at this object.
  OffsetTranslator(const OffsetTranslator&) = delete;
  OffsetTranslator& operator=(const OffsetTranslator&) = delete;

  // RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART when the flow never wrote runs there.
  kafka::KafkaError read_runs();
  // The group's checkpoints bound the translations from then on.
  kafka::KafkaError read_checkpoints(const std::string& group);

  std::string target_topic(const std::string& source_topic) const;
  // The flow's runs, as read_runs() read them.
  const OffsetIndex& runs() const { return forward_; }
  // Reads at most 32 gaps, 2 s each; a gap that could not be read stays where the answer
  // stops (the safe side: nothing skipped), and `unread_gaps()` says why.
  Translation translate(const std::string& source_topic, int32_t partition, int64_t upstream);
  // Why the last translate() stopped at a gap without knowing whether it holds a record.
  const std::vector<std::string>& unread_gaps() const { return unread_gaps_; }

 private:
  config::Config config_;  // a copy: callers may pass a temporary
  std::string source_;
  std::chrono::milliseconds timeout_;
  config::TopicNamer namer_;
  OffsetIndex forward_;  // with the target ranges read empty (gaps_)
  GapReader gaps_;
  std::vector<std::string> unread_gaps_;
  std::vector<Checkpoint> checkpoints_;  // of the group, when one was read
};

}  // namespace duplex::offsets
