#include "offsets/offset_translator.h"

#include <string>

#include "kafka/log_reader.h"
#include "offsets/failover.h"

namespace duplex::offsets {

OffsetTranslator::OffsetTranslator(const config::Config& config, const config::Flow& flow,
                                   std::chrono::milliseconds timeout)
    : config_(config),
      source_(flow.source),
      timeout_(timeout),
      namer_(flow.rename, flow.source, config.region),
      gaps_(config.region, config.home_cluster(), {},
            {.failed =
                 [this](const std::string&, int32_t, const kafka::KafkaError& error) {
                   unread_gaps_.push_back(error.message());  // names the topic and offsets
                 },
             .unread =
                 [this](const std::string& target_topic, int32_t partition, int64_t from) {
                   unread_gaps_.push_back("cluster " + config_.region + ": " + target_topic + "[" +
                                          std::to_string(partition) + "] offset " +
                                          std::to_string(from) +
                                          " not read: this answer's gap reads are used up");
                 }}) {}

kafka::KafkaError OffsetTranslator::read_runs() {
  kafka::LogReader reader(config_.region, config_.home_cluster(), offset_syncs_topic(source_));
  return reader.read_new(
      [&](const rd_kafka_message_t& m) {
        auto run = decode_run(
            std::string_view(static_cast<const char*>(m.payload), m.payload ? m.len : 0));
        if (run) forward_.add(*run);
      },
      timeout_);
}

kafka::KafkaError OffsetTranslator::read_checkpoints(const std::string& group) {
  Failover failover(config_, source_, timeout_);
  if (auto err = failover.read_checkpoints()) return err;
  checkpoints_.clear();
  for (const auto& [key, c] : failover.checkpoints()) {
    if (c.group == group) checkpoints_.push_back(c);
  }
  return {};
}

std::string OffsetTranslator::target_topic(const std::string& source_topic) const {
  return namer_.target_topic(source_topic);
}

Translation OffsetTranslator::translate(const std::string& source_topic, int32_t partition,
                                        int64_t upstream) {
  const std::string target = target_topic(source_topic);
  unread_gaps_.clear();
  gaps_.new_budget();
  return gaps_.translate(forward_, source_topic, target, partition, [&] {
    return translate_on_target(forward_, checkpoints_, source_topic, target, partition, upstream);
  });
}

}  // namespace duplex::offsets
