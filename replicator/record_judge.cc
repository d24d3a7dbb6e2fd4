#include "replicator/record_judge.h"

#include "conflict/content_digest.h"
#include "kafka/record_headers.h"
#include "offsets/offset_records.h"

namespace duplex::replicator {
RecordJudge::Verdict RecordJudge::judge(SourceRecord& record, const std::string& target_topic) {
  record.origin = kafka::header_value(record.headers, offsets::kOriginHeader);
  Verdict verdict;
  const bool repair =
      kafka::header_value(record.headers, conflict::ContentDigest::kRepairHeader).has_value();
  bool restamp = false;
  switch (origin_.judge(record.origin, repair)) {
    case OriginFilter::Verdict::skip_unknown_origin:
      verdict.malformed_origin = true;
      verdict.skip = SkipReason::other_origin;
      return verdict;
    case OriginFilter::Verdict::copy_and_restamp:
      verdict.malformed_origin = true;
      restamp = true;
      record.origin = origin_.source();  // for the stages: written in the source region
      break;
    case OriginFilter::Verdict::skip_loop:
      verdict.skip = SkipReason::loop;
      return verdict;
    case OriginFilter::Verdict::skip_other_origin:
      verdict.skip = SkipReason::other_origin;
      return verdict;
    case OriginFilter::Verdict::skip_repair:
      verdict.skip = SkipReason::conflict;
      return verdict;
    case OriginFilter::Verdict::copy:
    case OriginFilter::Verdict::copy_and_stamp:
      break;
  }
  for (RecordStage* stage : stages_) {
    auto said = stage->judge(record, target_topic);
    if (said.kind == StageVerdict::Kind::skip) {
      verdict.skip = said.reason;
      return verdict;
    }
    if (said.kind == StageVerdict::Kind::wait) {
      verdict.wait = true;
      return verdict;
    }
    if (said.kind == StageVerdict::Kind::fail) {
      verdict.failure = std::move(said.failure);
      return verdict;
    }
  }
  verdict.headers.reset(record.headers ? rd_kafka_headers_copy(record.headers)
                                       : rd_kafka_headers_new(1));
  if (restamp) rd_kafka_header_remove(verdict.headers.get(), offsets::kOriginHeader.data());
  if (!record.origin || restamp) {  // first copied here: stamped with where it was written
    const std::string& source = origin_.source();
    rd_kafka_header_add(verdict.headers.get(), offsets::kOriginHeader.data(),
                        static_cast<ssize_t>(offsets::kOriginHeader.size()), source.data(),
                        static_cast<ssize_t>(source.size()));
  }
  return verdict;
}

StageVerdict RecordJudge::ready(const std::string& target_topic, int32_t partition) {
  for (RecordStage* stage : stages_) {
    auto said = stage->ready(target_topic, partition);
    if (said.kind != StageVerdict::Kind::pass) return said;
  }
  return StageVerdict::pass();
}

}  // namespace duplex::replicator
