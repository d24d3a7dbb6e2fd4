#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace duplex::verify {

// One difference between a source range and its copy, with where it is.
struct Divergence {
  enum class Kind { missing, extra, different };
  Kind kind = Kind::missing;
  // missing, different: the source record's offset; extra: the first source offset whose copy
  // would come after it (nullopt when none was copied after it).
  std::optional<int64_t> source_offset;
  // different: where its copy is; missing: where the offset syncs put it (nullopt: no sync
  // covers it); extra: the record on the target.
  std::optional<int64_t> target_offset;

  bool operator==(const Divergence&) const = default;
};
std::string_view kind_name(Divergence::Kind kind);

// A copy from the source that no source record claimed, until the next range shows whether it
// is a second copy of one of its records (a duplicate) or extra.
struct Undecided {
  uint64_t digest = 0;
  Divergence extra;

  bool operator==(const Undecided&) const = default;
};

// What verifying (part of) one partition found. Every source record of the range lands in
// exactly one count: compared (then matching, missing or different), or one of the reasons
// duplex skips a record on purpose, or pending.
struct Tally {
  static constexpr size_t kMaxDivergences = 20;  // kept per partition, the first ones

  int64_t source_records = 0;  // delivered by a read_committed read of the range
  int64_t compared = 0;        // copies the target should hold
  int64_t matching = 0;
  int64_t missing = 0;    // not on the target
  int64_t extra = 0;      // on the target as a copy from the source, of no source record
  int64_t different = 0;  // at its copy's place: other content, or another origin
  // Accounted for, not differences:
  int64_t loops = 0;            // origin is the home region: never copied back
  int64_t other_origin = 0;     // a third region (copied by its own flow), or none of the config
  int64_t repairs = 0;          // last-writer-wins repairs: never copied
  int64_t conflict_losers = 0;  // older than the target's version of their key
  int64_t aborted = 0;          // records of aborted source transactions
  int64_t source_gaps = 0;      // other offsets without a record: transaction markers, compaction
  int64_t duplicates = 0;       // second copies of a record (at-least-once re-copies)
  int64_t pending = 0;          // after the newest offset sync: not copied yet
  // The target window's other records (written in the home region, or by other flows).
  int64_t target_records = 0;
  int64_t target_other = 0;

  std::optional<int64_t> first_divergent_source_offset;
  std::optional<int64_t> first_timestamp;  // of the range's source records
  std::optional<int64_t> last_timestamp;
  // Order-preserving digests of the compared source records and of the target's copies from
  // the source (in offset order): equal when the copy is exact.
  uint64_t source_digest = kEmptyDigest;
  uint64_t target_digest = kEmptyDigest;
  std::map<std::string, int64_t> source_origins;  // per origin: source records of the range
  std::map<std::string, int64_t> target_origins;  // per origin: target records of the window
  std::vector<Divergence> divergences;

  static constexpr uint64_t kEmptyDigest = 14695981039346656037ull;

  bool clean() const { return missing == 0 && extra == 0 && different == 0; }
  void add(const Tally& other);
  void diverge(Divergence divergence);

  // One line of `key=value` fields (the resume file), and back; nullopt when malformed.
  std::string encode() const;
  static std::optional<Tally> decode(std::string_view text);
};

// Appends a record's digest to an order-preserving digest.
uint64_t chain(uint64_t sequence, uint64_t record_digest);

}  // namespace duplex::verify
