#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "verify/tally.h"

namespace duplex::verify {

// Where verifying one partition stands: its source range, how far it got, what it found.
struct PartitionState {
  std::string source_topic;
  int32_t partition = 0;
  int64_t start = 0;  // the source range [start, end)
  int64_t end = 0;
  int64_t next = 0;  // verified up to here
  bool finished = false;
  Tally tally;
  std::vector<Undecided> undecided;  // carried to the next chunk (PartitionCheck)
};

// The resume file of `duplex verify --resume FILE` (docs/verify.md): a first line naming the
// flow, then one line per partition, rewritten (to FILE.tmp, then renamed) after every chunk.
class VerifyState {
 public:
  VerifyState(std::string path, std::string source, std::string home)
      : path_(std::move(path)), source_(std::move(source)), home_(std::move(home)) {}

  // Reads the file when it exists. An error message (not the flow's file, malformed) or "".
  std::string load();
  // Writes every partition; an error message or "".
  std::string save() const;

  std::map<std::pair<std::string, int32_t>, PartitionState>& partitions() { return partitions_; }
  const std::string& path() const { return path_; }

  static std::string encode(const PartitionState& state);
  static std::optional<PartitionState> decode(const std::string& line);

 private:
  std::string header() const;

  std::string path_;
  std::string source_;
  std::string home_;
  std::map<std::pair<std::string, int32_t>, PartitionState> partitions_;
};

}  // namespace duplex::verify
