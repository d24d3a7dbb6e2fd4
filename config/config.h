#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace duplex::config {

// librdkafka properties for one cluster, passed through as given (after ${ENV} substitution).
using Properties = std::map<std::string, std::string>;

enum class Delivery { at_least_once, exactly_once };
enum class ConflictPolicy { none, last_writer_wins };
enum class LogFormat { text, json };
// What a flow does when source records expired before it copied them (`on.source.gap`).
enum class SourceGapPolicy { fail, continue_copying };
// What a record larger than the target accepts does: stop the sidecar, or go to duplex.dlq.
enum class OversizedPolicy { fail, skip };

struct NameFilter {
  std::vector<std::string> include{".*"};
  std::vector<std::string> exclude;
};

// Topic configs copied to the target: at creation, and (`sync`) at every refresh after it.
struct TopicConfigCopy {
  bool sync = true;
  // Regexes of config names that belong to each cluster and are never copied. Given in the
  // file, the list replaces this one.
  std::vector<std::string> exclude{
      "min\\.insync\\.replicas",
      "unclean\\.leader\\.election\\.enable",
      "(leader|follower)\\.replication\\.throttled\\.replicas",
      "message\\.format\\.version",
      "message\\.downconversion\\.enable",
  };
};

struct TopicSelection : NameFilter {
  // How often the source is asked for new matching topics, partition increases and (with
  // configs.sync) config changes.
  std::chrono::milliseconds refresh{std::chrono::seconds(10)};
  TopicConfigCopy configs;
};

// Topic ACLs copied to the target at every refresh (`acls.sync`), as MirrorMaker 2's
// sync.topic.acls: off by default, since it needs DESCRIBE (source) and ALTER (target) on the
// clusters' ACLs, and a cluster without an authorizer refuses both.
struct AclCopy {
  bool sync = false;
};

struct GroupSelection : NameFilter {
  bool sync = false;
};

// One source -> home pair.
struct Flow {
  std::string source;
  TopicSelection topics;
  GroupSelection groups;
  std::string rename = "{topic}";
  AclCopy acls;
  // fail (the default): the flow stops with exit 1 and names the range, copying nothing past
  // it; continue: counted in duplex_records_lost_total, logged, copied on from the log start.
  SourceGapPolicy on_source_gap = SourceGapPolicy::fail;
};

// Exactly-once: each source partition's transaction commits after `interval` or `max_records`
// copies, whichever comes first; a record is visible to read_committed consumers of the target
// only then.
struct TransactionSettings {
  std::chrono::milliseconds interval{50};
  int max_records = 10000;
  // transaction.timeout.ms of the transactional producers, unless the home cluster's
  // properties set it: how long a crashed worker's open transaction holds back read_committed
  // readers when no new owner fences it.
  std::chrono::milliseconds timeout{20000};
  // How long a new owner of a partition keeps trying to fence the earlier ones (not set in the
  // file: past it the flow fails with the reason, and the supervisor restarts it).
  std::chrono::milliseconds fence_timeout{60000};
};

// A per-topic policy: the first override whose regex matches the whole topic name applies.
struct ConflictOverride {
  std::string match;
  ConflictPolicy policy = ConflictPolicy::none;
};

// Where the key index of last-writer-wins topics lives (conflict/key_index.h).
struct IndexSettings {
  uint64_t memory = uint64_t{64} << 20;  // bytes: the entry cache and RocksDB's caches
  std::string dir = "duplex-index";      // relative to the working directory
};

struct ConflictSettings {
  ConflictPolicy policy = ConflictPolicy::none;  // for every copied topic without an override
  // Every region under clusters, once; the first one wins a timestamp tie. Required as soon as
  // one topic is last-writer-wins.
  std::vector<std::string> region_rank;
  bool audit = false;  // skipped copies are written to duplex.conflicts
  IndexSettings index;
  std::vector<ConflictOverride> topics;

  // Compiles the overrides' regexes on each call: decide once per topic, not per record.
  ConflictPolicy policy_for(const std::string& topic) const;
  // Last-writer-wins applies to the topic: its policy says so and it is not one of duplex's
  // or Kafka's own (duplex.heartbeats included). The same, once per topic.
  bool last_writer_wins(const std::string& topic) const;
  // Some topic may be last-writer-wins: the sidecar needs a key index and a home reader.
  bool any_last_writer_wins() const;
};

struct Config {
  std::string region;                          // the home region: where this sidecar writes
  std::map<std::string, Properties> clusters;  // region -> its cluster's properties
  std::vector<Flow> flows;
  // group.instance.id of every flow's source consumer (static membership): a restart under
  // the same id within the session timeout keeps the partitions. Empty: dynamic membership.
  std::string instance_id;
  Delivery delivery = Delivery::at_least_once;
  TransactionSettings transaction;
  ConflictSettings conflict;
  OversizedPolicy oversized = OversizedPolicy::fail;  // errors.oversized
  // startup.wait: how long `duplex run` waits for every cluster it uses to answer before it
  // fails (exit 1) naming the silent one; milliseconds::max(): forever; 0: no check.
  std::chrono::milliseconds startup_wait{std::chrono::seconds(30)};
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(5)};
  std::string metrics_listen = "127.0.0.1:9464";
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;

  const Properties& home_cluster() const { return clusters.at(region); }
};

}  // namespace duplex::config
