#include "offsets/gap_reader.h"

#include <utility>

namespace duplex::offsets {

GapReader::GapReader(std::string cluster, kafka::Properties cluster_props, Limits limits,
                     Events events, const std::atomic<bool>* stop)
    : cluster_(std::move(cluster)),
      cluster_props_(std::move(cluster_props)),
      limits_(limits),
      events_(std::move(events)),
      stop_(stop),
      reads_left_(limits.reads) {}

GapReader::GapReader(FirstRecord first_record, Limits limits, Events events)
    : limits_(limits),
      events_(std::move(events)),
      stop_(nullptr),
      first_record_(std::move(first_record)),
      reads_left_(limits.reads) {}

void GapReader::new_budget() {
  reads_left_ = limits_.reads;
}

Translation GapReader::translate(OffsetIndex& runs, const std::string& source_topic,
                                 const std::string& target_topic, int32_t partition,
                                 const std::function<Translation()>& translate_once,
                                 const std::function<bool(int64_t)>& known_record) {
  for (;;) {
    auto t = translate_once();
    if (t.local_target >= t.copied_target || (known_record && known_record(t.local_target)) ||
        !read(runs, source_topic, target_topic, partition, t.local_target)) {
      return t;
    }
  }
}

bool GapReader::read(OffsetIndex& runs, const std::string& source_topic,
                     const std::string& target_topic, int32_t partition, int64_t from) {
  const Gap gap{source_topic, partition, from};
  if (gaps_with_records_.count(gap) || (stop_ && stop_->load())) return false;
  const auto to = runs.next_copy_on_target(source_topic, partition, from);
  if (!to) return false;
  if (reads_left_ == 0) {
    if (events_.unread) events_.unread(target_topic, partition, from);
    return false;
  }
  reads_left_--;
  if (!first_record_ && !probe_) {
    probe_ = std::make_unique<kafka::EmptyRangeProbe>(cluster_, cluster_props_, stop_);
  }
  const auto first =
      first_record_
          ? first_record_(target_topic, partition, from, *to, limits_.read_timeout)
          : probe_->first_record(target_topic, partition, from, *to, limits_.read_timeout);
  if (const auto* error = std::get_if<kafka::KafkaError>(&first)) {
    reads_left_ = 0;  // one such wait per budget
    if (events_.failed) events_.failed(target_topic, partition, *error);
    return false;
  }
  const int64_t record = std::get<int64_t>(first);
  if (record == from) {
    if (gaps_with_records_.size() >= limits_.gaps_with_records_kept) gaps_with_records_.clear();
    gaps_with_records_.insert(gap);
    return false;
  }
  runs.add_empty(source_topic, partition, from, record);
  if (events_.empty) events_.empty(target_topic, partition, from, record);
  return true;
}

}  // namespace duplex::offsets
