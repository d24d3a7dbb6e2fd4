#include "replicator/record_judge.h"

#include "offsets/offset_records.h"

namespace duplex::replicator {
namespace {

std::optional<std::string_view> origin_of(const SourceRecord& record) {
  const void* value = nullptr;
  size_t size = 0;
  if (record.headers && rd_kafka_header_get_last(record.headers, offsets::kOriginHeader.data(),
                                                 &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::string_view(static_cast<const char*>(value), size);
  }
  return std::nullopt;
}

}  // namespace

RecordJudge::Verdict RecordJudge::judge(SourceRecord& record) {
  record.origin = origin_of(record);
  Verdict verdict;
  switch (origin_.judge(record.origin)) {
    case OriginFilter::Verdict::skip_loop:
      verdict.skip = SkipReason::loop;
      return verdict;
    case OriginFilter::Verdict::skip_other_origin:
      verdict.skip = SkipReason::other_origin;
      return verdict;
    case OriginFilter::Verdict::copy:
    case OriginFilter::Verdict::copy_and_stamp:
      break;
  }
  for (RecordStage* stage : stages_) {
    if ((verdict.skip = stage->judge(record))) return verdict;
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

}  // namespace duplex::replicator
