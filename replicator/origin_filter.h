#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "offsets/offset_records.h"
#include "offsets/origin.h"

namespace duplex::replicator {

// Loop prevention for one flow (source -> home). A record is copied only when it was first
// written in the flow's source region; a record without an origin is stamped with the source.
// So a record never returns to its origin, and in a full mesh of more than two regions each
// record reaches every region exactly once, by the direct flow from its origin. A repair
// (conflict resolution writing a winner again in its own region) is never copied: every
// region repairs its own topic.
//
// Malformed origins (offsets/origin.h: empty, not UTF-8, too long) come from a producer that set
// the header itself, never from a copy: such a record counts as written in the source region,
// and its copy carries the source region instead. An origin naming a region the config does not
// know is skipped: it may be this region under an older name (copying it back would be a loop)
// or a region of a wider mesh that copies it here itself. Both are counted as malformed.
class OriginFilter {
 public:
  enum class Verdict {
    copy,
    copy_and_stamp,
    copy_and_restamp,  // malformed: copied as written in the source, its origin replaced
    skip_loop,
    skip_other_origin,
    skip_unknown_origin,  // names no region of the config
    skip_repair,
  };

  // `regions`: every region of the config (its clusters), home and source included.
  OriginFilter(std::string source, std::string home, std::set<std::string, std::less<>> regions)
      : source_(std::move(source)), home_(std::move(home)), regions_(std::move(regions)) {}

  Verdict judge(std::optional<std::string_view> origin, bool repair = false) const {
    if (repair) return Verdict::skip_repair;
    if (!origin) return Verdict::copy_and_stamp;
    if (*origin == source_) return Verdict::copy;
    if (*origin == home_) return Verdict::skip_loop;
    if (!offsets::well_formed_origin(*origin)) return Verdict::copy_and_restamp;
    if (!regions_.count(*origin)) return Verdict::skip_unknown_origin;
    return Verdict::skip_other_origin;
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::string home_;
  std::set<std::string, std::less<>> regions_;
};

}  // namespace duplex::replicator
