#include "conflict/home_reader.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "conflict/content_digest.h"
#include "conflict/last_writer_wins.h"
#include "kafka/record_headers.h"

namespace duplex::conflict {
namespace {

using std::chrono::milliseconds;

// A copy stage asking about a partition the reader does not know brings the next listing this
// close (it asks every turn while it waits).
constexpr milliseconds kAskedRefreshGap{1000};
// How often every partition's position is asked for, to pass transaction markers and compacted
// offsets (a partition still catching up is asked every turn).
constexpr milliseconds kPositionsInterval{1000};
constexpr milliseconds kStatsInterval{5000};

}  // namespace

HomeReader::HomeReader(Settings settings, HomeLog& log, KeyIndex& index,
                       metrics::ReplicationMetrics& metrics)
    : settings_(std::move(settings)),
      log_(log),
      index_(index),
      metrics_(metrics),
      ranks_(settings_.conflict.region_rank) {}

HomeReader::~HomeReader() {
  stop();
  join();
}

void HomeReader::start() {
  thread_ = std::thread([this] {
    while (!stop_) {
      turn(Clock::now());
      if (failed_) std::this_thread::sleep_for(settings_.poll_wait);
    }
    finish();
  });
}

void HomeReader::join() {
  if (thread_.joinable()) thread_.join();
}

void HomeReader::turn(Clock::time_point now) {
  now_ = now;
  if (failed_) return;
  // 1. Discover.
  const bool asked = refresh_wanted_ && now >= last_refresh_ + kAskedRefreshGap;
  if (!next_refresh_ || now >= *next_refresh_ || asked) {
    refresh_wanted_ = false;
    last_refresh_ = now;
    next_refresh_ = now + settings_.refresh;
    discover();
  }
  // 2, 3. Read and observe.
  for (size_t n = 0; n < settings_.batch && !failed_; ++n) {
    auto record = log_.poll(n == 0 ? settings_.poll_wait : milliseconds(0));
    if (!record) break;
    observe(*record);
  }
  // 4. Repairs: acknowledgements, and those due (new ones once their partition caught up).
  for (const auto& ack : log_.take_acks(milliseconds(0))) acknowledged(ack);
  std::vector<uint64_t> due;
  for (const auto& [token, r] : repairs_) {
    if (r.due && now >= *r.due && r.partition->next >= r.partition->end) due.push_back(token);
  }
  for (uint64_t token : due) {
    if (failed_) return;
    send(token, repairs_.at(token));
  }
  // 5. Positions past what delivers nothing, then the index.
  const bool all = now >= next_positions_;
  if (all) next_positions_ = now + kPositionsInterval;
  for (auto& [id, p] : partitions_) {
    if (!all && p.ready) continue;
    if (auto position = log_.position(p.topic, p.partition)) p.next = std::max(p.next, *position);
  }
  if (failed_) return;
  store();
  update_readiness();
  if (now >= next_stats_) {
    next_stats_ = now + kStatsInterval;
    publish_stats();
  }
}

void HomeReader::discover() {
  auto listed = log_.topics();
  if (auto* e = std::get_if<kafka::KafkaError>(&listed)) {
    error("conflict_read", "listing the topics of the home cluster: " + e->message());
    return;
  }
  std::vector<HomeLog::Start> starts;
  for (const auto& [topic, count] : std::get<std::map<std::string, int>>(listed)) {
    const bool known = topics_.count(topic) > 0;
    if (!known && !managed(topic)) continue;
    start_topic(topic, count, known, starts);
    if (failed_) return;
  }
  if (starts.empty()) return;
  if (auto e = log_.read(starts)) fail("reading the managed topics: " + e.message());
}

bool HomeReader::managed(const std::string& topic) {
  if (!settings_.conflict.last_writer_wins(topic)) return false;
  {
    std::lock_guard lock(mutex_);
    if (wanted_.count(topic)) return true;
  }
  auto stored = index_.position(topic, 0);  // every partition read gets a position at once
  if (auto* e = std::get_if<IndexError>(&stored)) {
    fail(e->message());
    return false;
  }
  return std::get<std::optional<int64_t>>(stored).has_value();
}

void HomeReader::start_topic(const std::string& topic, int partitions, bool known_topic,
                             std::vector<HomeLog::Start>& starts) {
  struct Fresh {
    int32_t partition;
    HomeLog::Ends ends;
    std::optional<int64_t> stored;
  };
  std::vector<Fresh> fresh;
  bool recreated = false;
  for (int32_t p = 0; p < partitions; ++p) {
    if (partitions_.count({topic, p})) continue;
    auto ends = log_.ends(topic, p);
    if (auto* e = std::get_if<kafka::KafkaError>(&ends)) {
      error("conflict_read", "reading the ends of " + where(topic, p) + ": " + e->message() +
                                 " (tried again at the next listing)");
      continue;
    }
    auto stored = index_.position(topic, p);
    if (auto* e = std::get_if<IndexError>(&stored)) return fail(e->message());
    auto position = std::get<std::optional<int64_t>>(stored);
    auto end = std::get<HomeLog::Ends>(ends);
    recreated = recreated || (!known_topic && position && *position > end.high);
    fresh.push_back({p, end, position});
  }
  if (recreated) {
    spdlog::warn(
        "home reader: {} ends before the positions in the key index: it was recreated; "
        "its part of the index is rebuilt from the topic",
        topic);
    if (auto e = index_.wipe_topic(topic)) return fail(e.message());
    for (auto& f : fresh) f.stored.reset();
  }
  std::lock_guard lock(mutex_);
  for (const auto& f : fresh) {
    Partition& p = partitions_[{topic, f.partition}];
    p.topic = topic;
    p.partition = f.partition;
    p.next = std::max(f.stored.value_or(f.ends.low), f.ends.low);
    p.end = f.ends.high;
    p.stored = f.stored;
    starts.push_back({topic, f.partition, p.next});
    known_.insert({topic, f.partition});
  }
  topics_.insert(topic);
  // At 0 from the start, so increase() and the dashboard see the first repair.
  auto& counter = repair_counters_[topic];
  if (!counter) counter = &metrics_.conflict_repairs(topic);
}

void HomeReader::observe(const HomeRecord& record) {
  Partition* p = find(record.topic, record.partition);
  if (!p || record.offset < p->next) return;
  p->next = record.offset + 1;
  if (!record.key) return;  // nothing to resolve
  const std::string_view origin =
      kafka::header_value(record.headers, kOriginHeader).value_or(settings_.home);
  Observed seen;
  seen.version = ranks_.version_or_lowest(record.timestamp, origin);
  seen.repair = kafka::header_value(record.headers, ContentDigest::kRepairHeader).has_value();
  ContentDigest digest;
  digest.value(record.value);
  // A tombstone is its null value: a repair of it carries none of its headers (compaction
  // drops them anyway), and must digest like it.
  if (record.value)
    kafka::for_each_header(record.headers,
                           [&](auto name, auto value) { digest.header(name, value); });
  seen.digest = digest.digest();
  auto current = newest(*p, *record.key);
  if (failed_) return;
  if (conflict::observe(current, seen) == Observation::newest) {
    p->observed.insert_or_assign(
        std::string(*record.key),
        IndexEntry{seen.version, record.offset, !record.value, std::string(origin), seen.digest});
    return;
  }
  p->losers.insert(record.offset);
  repairs_[next_token_++] = {p, record.offset, std::string(*record.key), now_};
}

std::optional<IndexEntry> HomeReader::newest(Partition& p, std::string_view key) {
  if (auto it = p.observed.find(std::string(key)); it != p.observed.end()) return it->second;
  auto found = index_.get(p.topic, key);
  if (auto* e = std::get_if<IndexError>(&found)) {
    fail(e->message());
    return std::nullopt;
  }
  return std::get<std::optional<IndexEntry>>(std::move(found));
}

std::string HomeReader::where(const std::string& topic, int32_t partition) {
  return topic + "[" + std::to_string(partition) + "]";
}

void HomeReader::store() {
  for (auto& [id, p] : partitions_) {
    const int64_t position = p.losers.empty() ? p.next : std::min(p.next, *p.losers.begin());
    if (p.observed.empty() && p.stored == position) continue;
    std::vector<KeyIndex::Update> updates;
    updates.reserve(p.observed.size());
    for (auto& [key, entry] : p.observed) updates.push_back({key, entry});
    if (auto e = index_.advance(p.topic, p.partition, position, updates)) return fail(e.message());
    p.observed.clear();
    p.stored = position;
  }
}

void HomeReader::update_readiness() {
  std::vector<Partition*> caught_up;
  for (auto& [id, p] : partitions_) {
    if (!p.ready && p.next >= p.end) caught_up.push_back(&p);
  }
  if (caught_up.empty()) return;
  std::lock_guard lock(mutex_);
  for (Partition* p : caught_up) {
    p->ready = true;
    ready_.insert({p->topic, p->partition});
    spdlog::info("home reader: {} is in the key index (read up to {})",
                 where(p->topic, p->partition), p->end);
  }
}

void HomeReader::publish_stats() {
  auto stats = index_.stats();
  metrics_.index_bytes("entry_cache").Set(static_cast<double>(stats.cache_bytes));
  metrics_.index_bytes("rocksdb_cache").Set(static_cast<double>(stats.store_bytes));
  metrics_.index_entries("cached").Set(static_cast<double>(stats.cached_entries));
  metrics_.index_entries("stored").Set(static_cast<double>(stats.stored_keys));
}

HomeReader::Partition* HomeReader::find(std::string_view topic, int32_t partition) {
  if (last_ && last_->partition == partition && last_->topic == topic) return last_;
  auto it = partitions_.find({std::string(topic), partition});
  last_ = it == partitions_.end() ? nullptr : &it->second;
  return last_;
}

bool HomeReader::ready(std::string_view topic, int32_t partition) {
  std::pair<std::string, int32_t> id(topic, partition);
  std::lock_guard lock(mutex_);
  if (ready_.count(id)) return true;
  if (!known_.count(id)) {
    wanted_.insert(id.first);
    refresh_wanted_ = true;
  }
  return false;
}

std::optional<std::string> HomeReader::catching_up() const {
  std::lock_guard lock(mutex_);
  for (const auto& id : known_) {
    if (!ready_.count(id)) return where(id.first, id.second);
  }
  return std::nullopt;
}

std::optional<std::string> HomeReader::failure() const {
  if (!failed_) return std::nullopt;
  std::lock_guard lock(mutex_);
  return failure_;
}

void HomeReader::fail(const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (failure_) return;
  failure_ = reason;
  failed_ = true;
  spdlog::error("home reader: {}", reason);
}

void HomeReader::error(const char* kind, const std::string& message) {
  metrics_.errors(settings_.home, kind).Increment();
  if (std::string_view(kind) == "conflict_repair") {
    spdlog::error("home reader: {}", message);
  } else if (message != last_warning_) {  // a cluster that is away fails every round alike
    last_warning_ = message;
    spdlog::warn("home reader: {}", message);
  }
}

}  // namespace duplex::conflict
