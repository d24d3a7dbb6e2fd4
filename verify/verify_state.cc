#include "verify/verify_state.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace duplex::verify {

std::string VerifyState::header() const {
  return "duplex-verify-state 1 " + source_ + " " + home_;
}

std::string VerifyState::encode(const PartitionState& s) {
  std::ostringstream out;
  out << s.source_topic << " " << s.partition << " " << s.start << " " << s.end << " " << s.next
      << " " << (s.finished ? 1 : 0) << " " << s.tally.encode();
  for (const auto& u : s.undecided) {
    out << " undecided=" << u.digest << ":" << u.extra.source_offset.value_or(-1) << ":"
        << u.extra.target_offset.value_or(-1);
  }
  return out.str();
}

std::optional<PartitionState> VerifyState::decode(const std::string& line) {
  std::istringstream in(line);
  PartitionState s;
  int finished = 0;
  if (!(in >> s.source_topic >> s.partition >> s.start >> s.end >> s.next >> finished)) {
    return std::nullopt;
  }
  s.finished = finished != 0;
  std::string field, tally_text;
  while (in >> field) {
    if (field.starts_with("undecided=")) {
      Undecided u;
      long long source = 0, target = 0;
      unsigned long long digest = 0;
      if (std::sscanf(field.c_str() + 10, "%llu:%lld:%lld", &digest, &source, &target) != 3) {
        return std::nullopt;
      }
      u.digest = digest;
      u.extra.kind = Divergence::Kind::extra;
      if (source >= 0) u.extra.source_offset = source;
      if (target >= 0) u.extra.target_offset = target;
      s.undecided.push_back(u);
    } else {
      tally_text += field + " ";
    }
  }
  auto tally = Tally::decode(tally_text);
  if (!tally || s.next < s.start || s.next > s.end) return std::nullopt;
  s.tally = std::move(*tally);
  return s;
}

std::string VerifyState::load() {
  std::ifstream in(path_);
  if (!in) return "";  // a first run: nothing to resume
  std::string line;
  if (!std::getline(in, line) || line != header()) {
    return path_ + " is not the resume file of the flow " + source_ + " -> " + home_ +
           " (first line: '" + line + "'); remove it or pass another file";
  }
  for (int n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto state = decode(line);
    if (!state) return path_ + ":" + std::to_string(n) + ": malformed line";
    partitions_[{state->source_topic, state->partition}] = std::move(*state);
  }
  return "";
}

std::string VerifyState::save() const {
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << header() << "\n";
    for (const auto& [key, state] : partitions_) out << encode(state) << "\n";
    out.flush();
    if (!out) return "cannot write " + tmp;
  }
  // A rename replaces the file at once: an interruption leaves the old or the new one.
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) return "cannot rename " + tmp + " to " + path_;
  return "";
}

}  // namespace duplex::verify
