#include "offsets/failover.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>
#include <set>

#include "kafka/client_factory.h"
#include "kafka/group_admin.h"
#include "kafka/log_reader.h"
#include "kafka/timestamps.h"
#include "kafka/watermarks.h"
#include "offsets/origin.h"

namespace duplex::offsets {
namespace {

constexpr size_t kParallelGroupWrites = 16;

}  // namespace

PartitionMove plan_move(const Checkpoint& c, int64_t now_ms) {
  PartitionMove move;
  move.checkpoint = c;
  move.checkpoint_age_s = std::max<int64_t>(0, now_ms - c.time_ms) / 1000.0;
  if (c.source_end < 0) return move;  // the source's end was not known: neither is the loss
  move.unreplicated = std::max<int64_t>(0, c.source_end - c.copied_end);
  if (*move.unreplicated == 0) {
    move.rpo_s = 0;
  } else if (c.at_risk_since > 0) {  // else how old the records missing are is unknown
    move.rpo_s = std::max<int64_t>(0, c.time_ms - c.at_risk_since) / 1000.0;
  }
  return move;
}

Failover::Failover(const config::Config& config, std::string source,
                   std::chrono::milliseconds timeout)
    : config_(config), source_(std::move(source)), timeout_(timeout) {}

kafka::KafkaError Failover::read_checkpoints() {
  kafka::LogReader reader(config_.region, config_.home_cluster(), checkpoints_topic(source_));
  auto err = reader.read_new(
      [&](const rd_kafka_message_t& m) {
        if (!m.payload) return;  // a tombstone
        auto c = decode_checkpoint(std::string_view(static_cast<const char*>(m.payload), m.len));
        if (!c) {
          corrupt_++;
          spdlog::warn("skipping a corrupt checkpoint record at {}[{}]@{}", reader.topic(),
                       m.partition, m.offset);
          return;
        }
        auto& newest = newest_[checkpoint_key(*c)];
        if (c->time_ms >= newest.time_ms) newest = *c;
      },
      timeout_);
  if (err.code() == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return kafka::KafkaError(err.code(), err.message() + ": no checkpoints from " + source_ +
                                             " (has the " + config_.region +
                                             " sidecar run with a flow from " + source_ + "?)");
  }
  return err;
}

std::variant<FailoverPlan, kafka::KafkaError> Failover::plan(
    const std::vector<std::string>& groups, const std::optional<std::string>& group_regex,
    bool check_members) {
  FailoverPlan plan;
  plan.corrupt = corrupt_;
  std::set<std::string> known;
  for (const auto& [key, c] : newest_) known.insert(c.group);
  std::set<std::string> selected;
  for (const auto& g : groups) {
    if (known.count(g)) {
      selected.insert(g);
    } else {
      plan.unknown.push_back(g);
    }
  }
  if (group_regex) {
    std::regex re(*group_regex);
    for (const auto& g : known) {
      if (std::regex_match(g, re)) selected.insert(g);
    }
  }

  auto client = kafka::make_client(
      config_.region, RD_KAFKA_PRODUCER,
      kafka::make_conf(config_.region, config_.home_cluster(), {{"client.id", "duplex-failover"}}));
  kafka::GroupAdmin admin(client.get(), config_.region, config_.home_cluster());
  if (check_members && !selected.empty()) {
    // One listing for every group: a request per group took a round trip each.
    auto members = admin.all_members(timeout_);
    if (auto* e = std::get_if<kafka::KafkaError>(&members)) return *e;
    const auto& by_group = std::get<std::map<std::string, int>>(members);
    for (const auto& g : selected) {
      if (auto it = by_group.find(g); it != by_group.end() && it->second > 0) {
        plan.active.push_back(g);
      }
    }
  }

  const int64_t now = kafka::now_ms();
  for (const auto& [key, c] : newest_) {
    if (selected.count(c.group)) plan.moves.push_back(plan_move(c, now));
  }
  if (auto err = count_rereads(plan.moves)) return err;
  return plan;
}

kafka::KafkaError Failover::count_rereads(std::vector<PartitionMove>& moves) {
  // The moves of each target partition, all groups' at once: one read of the partition serves
  // every group (a consumer and a read per group and partition took minutes for 100 groups).
  std::map<std::pair<std::string, int32_t>, std::vector<PartitionMove*>> by_partition;
  for (auto& move : moves) {
    const Checkpoint& c = move.checkpoint;
    move.rereads = c.local_rereads.value_or(0);
    by_partition[{c.target_topic, c.partition}].push_back(&move);
  }
  kafka::HandlePtr consumer;
  for (const auto& [tp, partition_moves] : by_partition) {
    const auto& [topic, partition] = tp;
    // Read on the target up to `until`: the copies, and the target-origin records when not
    // counted.
    std::vector<std::pair<PartitionMove*, int64_t>> reads;  // (move, until)
    for (auto* move : partition_moves) {
      const Checkpoint& c = move->checkpoint;
      const int64_t until =
          c.local_rereads ? c.copied_target : std::max(c.copied_target, c.local_target);
      if (until > c.target) reads.emplace_back(move, until);
    }
    if (reads.empty()) continue;
    if (!consumer) {
      consumer = kafka::make_client(config_.region, RD_KAFKA_CONSUMER,
                                    kafka::make_conf(config_.region, config_.home_cluster(),
                                                     {{"group.id", "duplex-failover-reader"},
                                                      {"enable.auto.commit", "false"},
                                                      {"isolation.level", "read_committed"},
                                                      {"enable.partition.eof", "true"}}));
    }
    const std::string where = topic + "[" + std::to_string(partition) + "]";
    int64_t low = 0, high = 0;
    if (auto err =
            kafka::query_watermarks(consumer.get(), topic, partition, &low, &high, timeout_)) {
      return kafka::KafkaError::from(err, "cluster " + config_.region + ": reading " + where);
    }
    int64_t from = high, to = 0;
    for (auto& [move, until] : reads) {
      until = std::min(until, high);
      if (until <= move->checkpoint.target) continue;
      from = std::min(from, move->checkpoint.target);
      to = std::max(to, until);
    }
    if (to <= from) continue;
    kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset =
        std::max(from, low);
    rd_kafka_assign(consumer.get(), list.get());
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return kafka::KafkaError(
            RD_KAFKA_RESP_ERR__TIMED_OUT,
            "cluster " + config_.region + ": counting re-reads in " + where + ": timed out");
      }
      kafka::MessagePtr m(rd_kafka_consumer_poll(consumer.get(), 200));
      // Only this partition's: the previous assignment's may still be on their way.
      if (!m || !m->rkt || m->partition != partition || topic != rd_kafka_topic_name(m->rkt)) {
        continue;
      }
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
      if (m->err) continue;
      if (m->offset >= to) break;
      if (is_repair(*m)) continue;
      auto origin = origin_of(*m);
      for (auto& [move, until] : reads) {
        const Checkpoint& c = move->checkpoint;
        if (m->offset < c.target || m->offset >= until) continue;
        // The group consumed, on the source, the copies below copied_target and the home-origin
        // records below local_target that were copied there (translation.h).
        if (origin == source_ ? m->offset < c.copied_target
                              : !c.local_rereads && (!origin || origin == config_.region) &&
                                    m->offset < c.local_target) {
          move->rereads++;
        }
      }
    }
  }
  return {};
}

kafka::KafkaError Failover::apply(const FailoverPlan& plan) {
  std::map<std::string, kafka::GroupOffsets> by_group;
  for (const auto& move : plan.moves) {
    const auto& c = move.checkpoint;
    by_group[c.group][{c.target_topic, c.partition}] = c.target;
  }
  auto client = kafka::make_client(
      config_.region, RD_KAFKA_PRODUCER,
      kafka::make_conf(config_.region, config_.home_cluster(), {{"client.id", "duplex-failover"}}));
  kafka::GroupAdmin admin(client.get(), config_.region, config_.home_cluster());
  // Each group's commit is a consumer of the group: several at once.
  return admin.alter(by_group, timeout_, kParallelGroupWrites);
}

}  // namespace duplex::offsets
