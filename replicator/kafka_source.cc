#include "replicator/kafka_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <memory>
#include <thread>

#include "kafka/access_error.h"
#include "kafka/record_headers.h"
#include "kafka/timestamps.h"
#include "kafka/watermarks.h"

namespace duplex::replicator {
namespace {

// A seek waits for the partition's fetcher to take it (a local hand-over, no request).
constexpr int kSeekTimeoutMs = 5000;
// A watermark asked from the broker (a paused partition's, for lag), from the lag thread.
constexpr std::chrono::milliseconds kWatermarkTimeout{1000};
// Destroying the consumer after it left the group: local work, unless librdkafka hangs.
constexpr std::chrono::milliseconds kDestroyLimit{5000};

kafka::PartitionListPtr list_of(const std::vector<TopicPartition>& partitions) {
  kafka::PartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  return list;
}

std::vector<TopicPartition> partitions_of(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  return out;
}

// The call's error, or else the first partition's.
kafka::KafkaError first_error(rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t* list,
                              const std::string& what) {
  if (err) return kafka::KafkaError::from(err, what);
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err) {
      return kafka::KafkaError::from(
          list->elems[i].err,
          what + " " + list->elems[i].topic + "[" + std::to_string(list->elems[i].partition) + "]");
    }
  }
  return {};
}

}  // namespace

SourceRecord to_source_record(kafka::MessagePtr m) {
  SourceRecord r;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  r.key = m->key;
  r.key_len = m->key_len;
  r.value = m->payload;
  r.value_len = m->len;
  r.timestamp = kafka::message_timestamp(m.get());
  r.headers = kafka::message_headers(m.get());
  r.owner = std::move(m);
  return r;
}

KafkaSource::KafkaSource(const std::string& cluster, const kafka::Properties& cluster_props,
                         const std::string& group_id, const std::string& instance_id,
                         const std::string& client_id, std::chrono::milliseconds metadata_refresh,
                         std::chrono::milliseconds commit_timeout, FlowMetrics& metrics)
    : cluster_(cluster), group_id_(group_id), commit_timeout_(commit_timeout), metrics_(metrics) {
  kafka::Properties props = {// About 0.25 s of a fast copy of large records: the fetcher refills
                             // the queue only when the nudger wakes it (every 50 ms).
                             {"queued.max.messages.kbytes", "65536"},
                             // librdkafka 2.0.2 has one fetch in flight per broker, so a fetch
                             // must carry a round trip's worth of copying: 1 MiB per partition
                             // (the default) held a 100 ms link to 8 MiB per round trip, 68k
                             // records/s of 1 KiB against 190k on loopback. 8 MiB per partition
                             // and the brokers' own cap per request (55 MiB) kept 0.93 of it in
                             // the tuning run, 0.67 in the full run; 32 MiB did worse
                             // (BENCHMARKS.md, "Over a delayed link").
                             {"max.partition.fetch.bytes", "8388608"},
                             {"fetch.max.bytes", "57671680"},
                             {"statistics.interval.ms", "5000"},
                             // A crashed sidecar holds its partitions for the session timeout:
                             // 10 s, not librdkafka's 45 s, bounds a restart's wait. A heartbeat
                             // a second tells the survivors of a rebalance within a second.
                             {"session.timeout.ms", "10000"},
                             {"heartbeat.interval.ms", "1000"}};
  for (const auto& [key, value] : cluster_props) props[key] = value;
  if (!instance_id.empty()) props["group.instance.id"] = instance_id;
  auto conf = kafka::make_conf(
      cluster, props,
      {{"group.id", group_id},
       {"enable.auto.commit", "false"},
       {"enable.auto.offset.store", "false"},
       {"partition.assignment.strategy", "cooperative-sticky"},
       {"isolation.level", "read_committed"},
       // A position below the log start (records expired before they were copied) reads on
       // from the log start; the copy loop tells that gap from a compaction hole by the log
       // start the fetch saw (source_jump.h), and counts it.
       {"auto.offset.reset", "earliest"},
       // The end of a partition is reported (on_partition_end): a partition whose last offsets
       // are transaction markers is settled up to its end, not to the last record before them.
       {"enable.partition.eof", "true"},
       {"topic.metadata.refresh.interval.ms", std::to_string(metadata_refresh.count())},
       {"client.id", client_id}});
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), on_commit);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_stats_cb(conf.get(), on_stats);
  consumer_ = kafka::make_client(cluster, RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer_.get());  // one queue: callbacks on the polling thread
  fetch_nudger_ =
      std::make_unique<kafka::FetchNudger>(consumer_.get(), metrics.counters().records_received);
}

KafkaSource::~KafkaSource() {
  fetch_nudger_.reset();
  // librdkafka 2.0.2 may never finish destroying a consumer that read a partition of a topic
  // deleted meanwhile (its fetch queue keeps the partition alive: librdkafka #4724, fixed in
  // 2.6.1). The destroy gets a bounded time on a thread of its own; past that it is left to the
  // process's exit, so a stop still ends in time.
  auto finished = std::make_shared<std::promise<void>>();
  auto done = finished->get_future();
  std::thread([consumer = std::move(consumer_), finished]() mutable {
    consumer.reset();
    finished->set_value();
  }).detach();
  if (done.wait_for(kDestroyLimit) != std::future_status::ready) {
    spdlog::warn(
        "flow {}: the consumer of {} was not released within {} s (librdkafka 2.0.2, after a "
        "source topic was deleted while it was read); left to the process's exit",
        metrics_.flow(), cluster_, kDestroyLimit.count() / 1000);
  }
}

std::optional<SourceRecord> KafkaSource::poll(std::chrono::milliseconds timeout) {
  kafka::MessagePtr m(rd_kafka_consumer_poll(consumer_.get(), static_cast<int>(timeout.count())));
  if (!m) return std::nullopt;
  if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
    // A consumer's fatal error (e.g. a static member fenced by another process under its
    // instance id) comes through the consumer queue, not the error callback.
    if (auto fatal = metrics_.client_error(consumer_.get(), cluster_, m->err, "consumer");
        fatal && listener_) {
      listener_->on_fatal(*fatal);
    }
    return std::nullopt;
  }
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    if (listener_ && m->rkt) {
      listener_->on_partition_end({rd_kafka_topic_name(m->rkt), m->partition}, m->offset);
    }
    return std::nullopt;
  }
  if (m->err) {
    metrics_.error("consume");
    // A missing ACL on the group or a topic: librdkafka would ask again for ever.
    if (kafka::is_authorization_error(m->err)) {
      const bool group = m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
      const std::string subject =
          group ? "group " + group_id_
                : "topic " + std::string(m->rkt ? rd_kafka_topic_name(m->rkt) : "?");
      if (listener_) {
        listener_->on_fatal(*kafka::access_refused(m->err, cluster_, subject,
                                                   group ? "READ" : "READ and DESCRIBE",
                                                   rd_kafka_message_errstr(m.get())));
      }
      return std::nullopt;
    }
    spdlog::warn("flow {}: reading {}: {}", metrics_.flow(), cluster_,
                 rd_kafka_message_errstr(m.get()));
    return std::nullopt;
  }
  return to_source_record(std::move(m));
}

kafka::KafkaError KafkaSource::subscribe(const std::vector<std::string>& topics) {
  if (topics.empty()) {
    return kafka::KafkaError::from(rd_kafka_unsubscribe(consumer_.get()), "unsubscribing");
  }
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  return kafka::KafkaError::from(rd_kafka_subscribe(consumer_.get(), list.get()), "subscribing");
}

kafka::KafkaError KafkaSource::assign(const std::vector<TopicPartition>& partitions) {
  auto list = list_of(partitions);
  return kafka::KafkaError::from(rd_kafka_incremental_assign(consumer_.get(), list.get()),
                                 "assigning");
}

kafka::KafkaError KafkaSource::unassign(const std::vector<TopicPartition>& partitions) {
  auto list = list_of(partitions);
  return kafka::KafkaError::from(rd_kafka_incremental_unassign(consumer_.get(), list.get()),
                                 "unassigning");
}

kafka::KafkaError KafkaSource::pause(const std::vector<TopicPartition>& partitions) {
  auto list = list_of(partitions);
  return first_error(rd_kafka_pause_partitions(consumer_.get(), list.get()), list.get(), "pausing");
}

kafka::KafkaError KafkaSource::resume(const std::vector<TopicPartition>& partitions) {
  auto list = list_of(partitions);
  return first_error(rd_kafka_resume_partitions(consumer_.get(), list.get()), list.get(),
                     "resuming");
}

kafka::KafkaError KafkaSource::seek(const TopicPartition& partition, int64_t offset) {
  auto list = list_of({partition});
  list->elems[0].offset = offset;
  kafka::ErrorPtr error(rd_kafka_seek_partitions(consumer_.get(), list.get(), kSeekTimeoutMs));
  if (error) {
    return kafka::KafkaError(rd_kafka_error_code(error.get()),
                             std::string("seeking: ") + rd_kafka_error_string(error.get()));
  }
  return first_error(RD_KAFKA_RESP_ERR_NO_ERROR, list.get(), "seeking");
}

kafka::KafkaError KafkaSource::commit(const std::map<TopicPartition, int64_t>& offsets, bool sync) {
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  if (!sync) {
    return kafka::KafkaError::from(rd_kafka_commit(consumer_.get(), list.get(), 1),
                                   "committing on " + cluster_);
  }
  // rd_kafka_commit(sync) waits for a coordinator as long as it takes: the answer comes on a
  // queue of ours instead, waited on for commit_timeout.
  kafka::QueuePtr answer(rd_kafka_queue_new(consumer_.get()));
  if (auto err =
          rd_kafka_commit_queue(consumer_.get(), list.get(), answer.get(), nullptr, nullptr)) {
    return kafka::KafkaError::from(err, "committing on " + cluster_);
  }
  kafka::EventPtr event(
      rd_kafka_queue_poll(answer.get(), static_cast<int>(commit_timeout_.count())));
  if (!event) {
    metrics_.error("commit");
    return kafka::KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT,
                             "committing on " + cluster_ + ": no answer within " +
                                 std::to_string(commit_timeout_.count()) +
                                 " ms (those records are copied again after a restart)");
  }
  const auto err = rd_kafka_event_error(event.get());
  if (const auto* done = rd_kafka_event_topic_partition_list(event.get())) {
    report_committed(err, done);
  }
  return kafka::KafkaError::from(err, "committing on " + cluster_);
}

std::map<TopicPartition, int64_t> KafkaSource::committed(
    const std::vector<TopicPartition>& partitions) {
  std::map<TopicPartition, int64_t> out;
  auto list = list_of(partitions);
  if (auto err = rd_kafka_committed(consumer_.get(), list.get(),
                                    static_cast<int>(commit_timeout_.count()))) {
    spdlog::warn("flow {}: reading the group's committed offsets on {}: {}", metrics_.flow(),
                 cluster_, rd_kafka_err2str(err));
    return out;
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0) {
      out[{p.topic, p.partition}] = p.offset;
    }
  }
  return out;
}

std::optional<int64_t> KafkaSource::log_start(const TopicPartition& tp) {
  int64_t low = -1, high = -1;
  rd_kafka_get_watermark_offsets(consumer_.get(), tp.topic.c_str(), tp.partition, &low, &high);
  return low >= 0 ? std::optional<int64_t>(low) : std::nullopt;
}

std::optional<int64_t> KafkaSource::high_watermark(const TopicPartition& tp, bool ask_broker) {
  int64_t low = -1, high = -1;
  if (ask_broker) {
    kafka::query_watermarks(consumer_.get(), tp.topic, tp.partition, &low, &high,
                            kWatermarkTimeout);
  } else {
    rd_kafka_get_watermark_offsets(consumer_.get(), tp.topic.c_str(), tp.partition, &low, &high);
  }
  return high >= 0 ? std::optional<int64_t>(high) : std::nullopt;
}

std::optional<int64_t> KafkaSource::position(const TopicPartition& tp) {
  auto list = list_of({tp});
  if (rd_kafka_position(consumer_.get(), list.get()) || list->elems[0].offset < 0) {
    return std::nullopt;
  }
  return list->elems[0].offset;
}

kafka::KafkaError KafkaSource::close(std::chrono::milliseconds timeout) {
  fetch_nudger_.reset();
  // The close runs in the background; its rebalance callback is served by polling the
  // consumer queue, as librdkafka's own tests do. What it still returns is not copied: only
  // acknowledged records were committed.
  kafka::QueuePtr queue(rd_kafka_queue_get_consumer(consumer_.get()));
  if (auto error =
          kafka::KafkaError::from(rd_kafka_consumer_close_queue(consumer_.get(), queue.get()),
                                  "closing the consumer of " + cluster_)) {
    return error;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!rd_kafka_consumer_closed(consumer_.get())) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return kafka::KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT,
                               "leaving the group on " + cluster_ + ": no answer within " +
                                   std::to_string(timeout.count()) +
                                   " ms (the group notices after the session timeout)");
    }
    kafka::MessagePtr ignored(rd_kafka_consumer_poll(consumer_.get(), 100));
  }
  return {};
}

void KafkaSource::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<KafkaSource*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->listener_->on_assigned(partitions_of(partitions));
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    self->listener_->on_revoked(partitions_of(partitions), rd_kafka_assignment_lost(rk));
  } else {
    // The group's state is unknown: whatever we held may be someone else's now.
    self->metrics_.error("rebalance");
    spdlog::error("flow {}: rebalance failed: {}", self->metrics_.flow(), rd_kafka_err2str(err));
    self->listener_->on_revoked(partitions_of(partitions), true);
  }
}

void KafkaSource::on_commit(rd_kafka_t*, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  static_cast<KafkaSource*>(opaque)->report_committed(err, offsets);
}

void KafkaSource::report_committed(rd_kafka_resp_err_t err,
                                   const rd_kafka_topic_partition_list_t* offsets) {
  if (kafka::is_authorization_error(err)) {
    metrics_.error("commit");
    // Every later commit would fail the same way.
    if (listener_) {
      listener_->on_fatal(*kafka::access_refused(err, cluster_, "group " + group_id_, "READ",
                                                 rd_kafka_err2str(err)));
    }
  } else if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    metrics_.error("commit");
    spdlog::warn("flow {}: source offset commit failed: {} (tried again at the next commit)",
                 metrics_.flow(), rd_kafka_err2str(err));
  }
  std::map<TopicPartition, int64_t> done;
  for (int i = 0; i < offsets->cnt; ++i) {
    const auto& p = offsets->elems[i];
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0) {
      done[{p.topic, p.partition}] = p.offset;
    }
  }
  if (!done.empty()) listener_->on_committed(done);
}

void KafkaSource::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaSource*>(opaque);
  if (auto fatal = self->metrics_.client_error(rk, self->cluster_, err, reason);
      fatal && self->listener_) {
    self->listener_->on_fatal(*fatal);
  }
}

int KafkaSource::on_stats(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
  static_cast<KafkaSource*>(opaque)->metrics_.client_stats(false, std::string_view(json, json_len));
  return 0;  // librdkafka frees the document
}

}  // namespace duplex::replicator
