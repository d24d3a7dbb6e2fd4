#include "replicator/record_judge.h"

#include "conflict/content_digest.h"
#include "offsets/offset_records.h"

namespace duplex::replicator {
namespace {

std::optional<std::string_view> header_of(const SourceRecord& record, std::string_view name) {
  const void* value = nullptr;
  size_t size = 0;
  if (record.headers && rd_kafka_header_get_last(record.headers, name.data(), &value, &size) ==
                            RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::string_view(static_cast<const char*>(value), size);
  }
  return std::nullopt;
}

}  // namespace

RecordJudge::Verdict RecordJudge::judge(SourceRecord& record, const std::string& target_topic) {
  record.origin = header_of(record, offsets::kOriginHeader);
  Verdict verdict;
  const bool repair = header_of(record, conflict::ContentDigest::kRepairHeader).has_value();
  switch (origin_.judge(record.origin, repair)) {
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
  if (!record.origin) {  // first copied here: stamped with where it was written
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
