// The convergence argument of last_writer_wins.h, checked on a model: regions with one
// partition each, local writes with skewed clocks, flows deciding copies against the target's
// index, and readers observing their home log and appending repairs, interleaved at random.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "conflict/content_digest.h"
#include "conflict/last_writer_wins.h"
#include "conflict/region_ranks.h"

namespace duplex::conflict {
namespace {

struct Record {
  std::string key;
  int64_t timestamp = 0;
  std::string origin;
  std::optional<std::string> value;  // nullopt: a tombstone
  bool copy = false;
  bool repair = false;

  uint64_t digest() const {
    ContentDigest d;
    d.value(value);
    d.header("duplex.origin", origin);
    if (repair) d.header(ContentDigest::kRepairHeader, "home");
    return d.digest();
  }
};

using Observe = std::function<Observation(const std::optional<IndexEntry>&, const Observed&)>;

class Model {
 public:
  Model(std::vector<std::string> names, Observe observe)
      : ranks_(names), names_(names), observe_(std::move(observe)) {
    for (const auto& n : names) regions_[n];
  }

  void write(const std::string& region, const std::string& key, int64_t timestamp,
             std::optional<std::string> value) {
    regions_[region].log.push_back({key, timestamp, region, std::move(value)});
  }

  // Copies the next record of `from`'s log to `to`, if it is one to copy. False at the end.
  bool flow(const std::string& from, const std::string& to) {
    auto& source = regions_[from];
    auto& target = regions_[to];
    size_t& next = target.copied[from];
    if (next == source.log.size()) return false;
    Record record = source.log[next++];
    if (record.repair || record.origin != from) return true;
    auto version = *ranks_.version(record.timestamp, record.origin);
    if (decide_copy(find(target, record.key), version) == CopyDecision::skip) return true;
    record.copy = true;
    target.log.push_back(record);
    return true;
  }

  // Observes the next record of `region`'s log, appending a repair after a loser.
  bool read(const std::string& region) {
    auto& r = regions_[region];
    if (r.read == r.log.size()) return false;
    int64_t offset = static_cast<int64_t>(r.read++);
    const Record record = r.log[offset];
    auto newest = find(r, record.key);
    Observed seen{*ranks_.version(record.timestamp, record.origin), record.repair, record.digest()};
    if (observe_(newest, seen) == Observation::newest) {
      r.index[record.key] = {seen.version, offset, !record.value, record.origin, seen.digest};
    } else {
      Record winner = r.log[newest->offset];  // read back by offset
      winner.repair = true;
      r.log.push_back(winner);
    }
    return true;
  }

  void drain() {
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto& a : names_) {
        while (read(a)) moved = true;
        for (const auto& b : names_) {
          if (a != b) {
            while (flow(a, b)) moved = true;
          }
        }
      }
    }
  }

  // The record each region ends with for `key` (what compaction keeps).
  std::optional<Record> last(const std::string& region, const std::string& key) const {
    const auto& log = regions_.at(region).log;
    for (auto it = log.rbegin(); it != log.rend(); ++it) {
      if (it->key == key) return *it;
    }
    return std::nullopt;
  }

  // The winner: the highest version among the writes, the later one among equals.
  std::optional<Record> winner(const std::string& key) const {
    std::optional<Record> best;
    for (const auto& n : names_) {
      for (const auto& record : regions_.at(n).log) {
        if (record.key != key || record.copy || record.repair) continue;
        if (!best || version(record) >= version(*best)) best = record;
      }
    }
    return best;
  }

  Version version(const Record& record) const {
    return *ranks_.version(record.timestamp, record.origin);
  }

 private:
  struct Region {
    std::vector<Record> log;
    std::map<std::string, IndexEntry> index;
    size_t read = 0;
    std::map<std::string, size_t> copied;  // source region -> next offset of its log
  };

  static std::optional<IndexEntry> find(const Region& r, const std::string& key) {
    auto it = r.index.find(key);
    if (it == r.index.end()) return std::nullopt;
    return it->second;
  }

  RegionRanks ranks_;
  std::vector<std::string> names_;
  Observe observe_;
  std::map<std::string, Region> regions_;
};

// Every region ends with the winner of every key: value and timestamp.
void expect_converged(const Model& model, const std::vector<std::string>& regions,
                      const std::vector<std::string>& keys, const std::string& context) {
  for (const auto& key : keys) {
    auto winner = model.winner(key);
    for (const auto& region : regions) {
      auto last = model.last(region, key);
      ASSERT_EQ(last.has_value(), winner.has_value()) << context << " key " << key;
      if (!winner) continue;
      EXPECT_EQ(last->value, winner->value) << context << " key " << key << " in " << region;
      EXPECT_EQ(last->timestamp, winner->timestamp) << context << " key " << key;
      EXPECT_EQ(last->origin, winner->origin) << context << " key " << key;
    }
  }
}

TEST(Convergence, RandomInterleavingsWithSkewedClocksConverge) {
  const std::vector<std::string> regions = {"east", "west", "south"};
  const std::vector<std::string> keys = {"a", "b", "c", "d", "e"};
  for (unsigned seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    Model model(regions, observe);
    std::map<std::string, int> skew;
    for (const auto& r : regions) skew[r] = std::uniform_int_distribution<int>(-3, 3)(rng);
    int64_t clock = 1000;
    int written = 0;
    auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
    for (int step = 0; step < 400; ++step) {
      switch (rng() % 3) {
        case 0: {  // a local write; clocks move slowly, so equal milliseconds are common
          clock += rng() % 2;
          auto region = pick(regions);
          std::optional<std::string> value;
          if (rng() % 7 != 0) value = region + "#" + std::to_string(++written);
          model.write(region, pick(keys), clock + skew[region], value);
          break;
        }
        case 1: {
          auto from = pick(regions);
          auto to = pick(regions);
          if (from != to) model.flow(from, to);
          break;
        }
        default:
          model.read(pick(regions));
      }
    }
    model.drain();
    expect_converged(model, regions, keys, "seed " + std::to_string(seed));
    if (::testing::Test::HasFailure()) return;
  }
}

// The rule for equal versions, on the interleaving that needs it: east writes x and then w to
// one key in the same millisecond, and an older copy lands between the two before east's reader
// has seen x. Its repair copies x and lands after w.
void same_millisecond_rewrite(Model& model) {
  model.write("west", "k", 50, "l");
  model.write("east", "k", 100, "x");
  model.flow("west", "east");  // east's index is empty yet: written
  model.write("east", "k", 100, "w");
  model.drain();
}

TEST(Convergence, ARepairOfAnOlderEqualVersionIsRepairedAgain) {
  Model model({"east", "west"}, observe);
  same_millisecond_rewrite(model);
  EXPECT_EQ(model.last("east", "k")->value, "w");
  EXPECT_EQ(model.last("west", "k")->value, "w");
}

TEST(Convergence, WithoutTheDigestRuleTheRegionsDiverge) {
  Model model({"east", "west"}, [](const std::optional<IndexEntry>& newest, const Observed& seen) {
    return !newest || seen.version >= newest->version ? Observation::newest : Observation::repair;
  });
  same_millisecond_rewrite(model);
  EXPECT_EQ(model.last("east", "k")->value, "x");
  EXPECT_EQ(model.last("west", "k")->value, "w");
}

}  // namespace
}  // namespace duplex::conflict
