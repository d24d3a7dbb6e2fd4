#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "offsets/offset_records.h"

namespace duplex::replicator {

// Loop prevention for one flow (source -> home). A record is copied only when it was first
// written in the flow's source region; a record without an origin is stamped with the source.
// So a record never returns to its origin, and in a full mesh of more than two regions each
// record reaches every region exactly once, by the direct flow from its origin. A repair
// (conflict resolution writing a winner again in its own region) is never copied: every
// region repairs its own topic.
class OriginFilter {
 public:
  enum class Verdict { copy, copy_and_stamp, skip_loop, skip_other_origin, skip_repair };

  OriginFilter(std::string source, std::string home)
      : source_(std::move(source)), home_(std::move(home)) {}

  Verdict judge(std::optional<std::string_view> origin, bool repair = false) const {
    if (repair) return Verdict::skip_repair;
    if (!origin) return Verdict::copy_and_stamp;
    if (*origin == source_) return Verdict::copy;
    if (*origin == home_) return Verdict::skip_loop;
    return Verdict::skip_other_origin;
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::string home_;
};

}  // namespace duplex::replicator
