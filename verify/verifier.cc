#include "verify/verifier.h"

#include <chrono>
#include <future>
#include <regex>
#include <thread>
#include <unordered_map>

#include "config/topic_selector.h"
#include "verify/partition_check.h"

namespace duplex::verify {
namespace {

// How long a target read waits for an open transaction to end (transaction.timeout.ms is at
// most 15 minutes on the broker by default; duplex's own are 20 s).
constexpr std::chrono::seconds kOpenTransactionWait{60};

template <class T>
kafka::KafkaError* error_of(RangeReader::Result<T>& result) {
  return std::get_if<kafka::KafkaError>(&result);
}

}  // namespace

Verifier::Verifier(Parts parts, Options options)
    : parts_(std::move(parts)),
      options_(std::move(options)),
      namer_(parts_.flow.rename, parts_.flow.source, parts_.config.region) {
  if (!parts_.config.conflict.region_rank.empty()) {
    ranks_.emplace(parts_.config.conflict.region_rank);
  }
}

std::string Verifier::target_topic(const std::string& source_topic) const {
  return namer_.target_topic(source_topic);
}

kafka::KafkaError Verifier::plan() {
  auto listed = parts_.source.topics();
  if (auto* e = error_of(listed)) return *e;
  const config::TopicSelector selector(parts_.flow.topics);
  std::optional<std::regex> only;
  if (options_.topic_regex) only.emplace(*options_.topic_regex);
  auto& states = parts_.state.partitions();
  for (const auto& [topic, partitions] : std::get<0>(listed)) {
    if (!selector.selects(topic) || (only && !std::regex_match(topic, *only))) continue;
    for (int32_t p = 0; p < partitions; ++p) {
      if (states.count({topic, p})) continue;  // resumed: its range stays
      auto bounds = parts_.source.bounds(topic, p);
      if (auto* e = error_of(bounds)) return *e;
      const auto [low, high] = std::get<RangeReader::Bounds>(bounds);
      int64_t start = low;
      if (options_.from_offset) start = std::max(low, *options_.from_offset);
      if (options_.since_ms) {
        auto at = parts_.source.offset_at(topic, p, *options_.since_ms);
        if (auto* e = error_of(at)) return *e;
        start = std::max(start, std::get<int64_t>(at));
      }
      start = std::min(start, high);
      PartitionState state;
      state.source_topic = topic;
      state.partition = p;
      state.start = start;
      state.end = high;
      state.next = start;
      states[{topic, p}] = std::move(state);
    }
  }
  return {};
}

kafka::KafkaError Verifier::save() {
  if (!parts_.save_state) return {};
  if (auto why = parts_.state.save(); !why.empty()) {
    return kafka::KafkaError(RD_KAFKA_RESP_ERR__FS, "resume file: " + why);
  }
  return {};
}

kafka::KafkaError Verifier::read_window(const std::string& target, const std::string& source_topic,
                                        int32_t partition, int64_t from, int64_t to,
                                        std::vector<VerifyRecord>& copies, uint64_t& bytes) {
  const auto window_from = parts_.runs.to_target(source_topic, partition, from);
  const auto window_to = parts_.runs.to_target(source_topic, partition, to);
  if (!window_from || !window_to || *window_from >= *window_to) return {};
  // The window holds committed copies only (the syncs are read read_committed), but a
  // transaction still open before its end (another producer's) holds the read back at the
  // last stable offset: wait for it to end, as long as a transaction may last.
  int64_t at = *window_from;
  const auto deadline = std::chrono::steady_clock::now() + kOpenTransactionWait;
  for (;;) {
    auto read = parts_.target.read(target, partition, at, *window_to, [&](VerifyRecord&& r) {
      bytes += r.bytes;
      copies.push_back(std::move(r));
    });
    if (auto* e = error_of(read)) return *e;
    at = std::get<int64_t>(read);
    if (at >= *window_to) return {};
    if (std::chrono::steady_clock::now() >= deadline || (parts_.stop && parts_.stop->load())) {
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT,
                               "target " + target + "[" + std::to_string(partition) +
                                   "]: an open transaction holds reading at offset " +
                                   std::to_string(at) + ", before the copies up to " +
                                   std::to_string(*window_to));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

kafka::KafkaError Verifier::verify(PartitionState& state) {
  const std::string target = target_topic(state.source_topic);
  FlowRules rules{parts_.flow.source, parts_.config.region, false, nullptr, nullptr, {}};
  for (const auto& [region, properties] : parts_.config.clusters) rules.regions.insert(region);
  std::unordered_map<std::string, conflict::IndexEntry> newest;
  if (parts_.config.conflict.last_writer_wins(target) && ranks_) {
    // Step 2: the newest version of each key in the whole target partition.
    auto bounds = parts_.target.bounds(target, state.partition);
    if (auto* e = error_of(bounds)) return *e;
    const auto [low, high] = std::get<RangeReader::Bounds>(bounds);
    auto read = parts_.target.read(target, state.partition, low, high, [&](VerifyRecord&& r) {
      bytes_read_ += r.bytes;
      if (!r.key) return;
      const auto version =
          ranks_->version_or_lowest(r.timestamp, r.origin.value_or(parts_.config.region));
      auto& entry = newest[*r.key];
      if (entry.version < version || entry.origin.empty()) {
        entry.version = version;
        entry.origin = r.origin.value_or(parts_.config.region);
      }
    });
    if (auto* e = error_of(read)) return *e;
    rules.last_writer_wins = true;
    rules.ranks = &*ranks_;
    rules.newest = [&newest](const std::string& key) -> std::optional<conflict::IndexEntry> {
      auto it = newest.find(key);
      if (it == newest.end()) return std::nullopt;
      return it->second;
    };
  }

  PartitionCheck check(rules, parts_.runs, std::move(state.undecided));
  state.undecided.clear();
  std::vector<VerifyRecord> source, copies;
  while (state.next < state.end) {
    if (parts_.stop && parts_.stop->load()) {
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__DESTROY, "interrupted");
    }
    // Steps 3 and 4 at once: the target window of the range asked for is read on its own
    // thread while the source range is read (the source may end the range sooner: below).
    const int64_t from = state.next;
    const int64_t wanted = std::min(state.end, from + options_.chunk);
    source.clear();
    copies.clear();
    uint64_t window_bytes = 0;
    auto window = std::async(std::launch::async, [&] {
      return read_window(target, state.source_topic, state.partition, from, wanted, copies,
                         window_bytes);
    });
    auto got = parts_.source.read(state.source_topic, state.partition, from, wanted,
                                  [&](VerifyRecord&& r) {
                                    bytes_read_ += r.bytes;
                                    source.push_back(std::move(r));
                                  });
    const auto window_error = window.get();
    bytes_read_ += window_bytes;
    if (auto* e = error_of(got)) return *e;
    if (window_error) return window_error;
    const int64_t to = std::get<int64_t>(got);
    if (to <= from) {
      state.end = from;  // an open transaction at `from`: verified up to it
      break;
    }
    if (to < wanted) {
      // The source's readable end came first: copies of what lies after it are not compared.
      if (auto cut = parts_.runs.to_target(state.source_topic, state.partition, to)) {
        std::erase_if(copies, [&](const VerifyRecord& r) { return r.offset >= *cut; });
      }
    }
    // Offsets read_committed passed over: a run of two or more may hold aborted records (a
    // lone one is a committed transaction's marker, or compaction; one at a chunk's edge may
    // continue in the next chunk).
    int64_t aborted = 0;
    int64_t expected = from;
    for (size_t i = 0; i <= source.size(); ++i) {
      const int64_t at = i < source.size() ? source[i].offset : to;
      if (at - expected >= 2 || (at - expected == 1 && (expected == from || at == to))) {
        auto counted =
            parts_.source.count_uncommitted(state.source_topic, state.partition, expected, at);
        if (auto* e = error_of(counted)) return *e;
        aborted += std::get<int64_t>(counted);
      }
      expected = at + 1;
    }
    records_read_ += static_cast<int64_t>(source.size() + copies.size());
    // Step 5.
    state.tally.add(
        check.add({state.source_topic, state.partition, from, to, &source, &copies, aborted}));
    state.next = to;
    if (to < std::min(state.end, from + options_.chunk)) state.end = to;  // readable end
    // Step 6.
    state.undecided = check.undecided();
    if (auto err = save()) return err;
    if (parts_.progress) parts_.progress(state, records_read_);
  }
  state.tally.add(check.finish());
  state.undecided.clear();
  state.finished = true;
  return save();
}

kafka::KafkaError Verifier::run() {
  if (auto err = plan()) return err;
  for (auto& [key, state] : parts_.state.partitions()) {
    if (state.finished) continue;
    if (options_.topic_regex &&
        !std::regex_match(state.source_topic, std::regex(*options_.topic_regex))) {
      continue;
    }
    if (auto err = verify(state)) return err;
  }
  return {};
}

}  // namespace duplex::verify
