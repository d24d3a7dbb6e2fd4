#include "status/flow_status.h"

#include <thread>

#include "config/topic_selector.h"
#include "kafka/client_factory.h"
#include "kafka/topic_admin.h"
#include "kafka/watermarks.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "offsets/failover.h"
#include "offsets/offset_records.h"

namespace duplex::status {
namespace {

using namespace std::chrono_literals;

// Lag of the flow's group from the source cluster alone: what a stopped sidecar left behind.
void read_from_source(const config::Config& config, const config::Flow& flow, FlowStatus& out) {
  const std::string group = offsets::flow_group_id(config.region, flow.source);
  auto client =
      kafka::make_client(flow.source, RD_KAFKA_CONSUMER,
                         kafka::make_conf(flow.source, config.clusters.at(flow.source),
                                          {{"group.id", group}, {"enable.auto.commit", "false"}}));
  kafka::TopicAdmin admin(client.get(), flow.source);
  auto topics = admin.list_topics(10s);
  if (auto* e = std::get_if<kafka::KafkaError>(&topics)) {
    out.note += "; source not reachable: " + e->message();
    return;
  }
  config::TopicSelector selector(flow.topics);
  kafka::PartitionListPtr partitions(rd_kafka_topic_partition_list_new(16));
  for (const auto& [topic, count] : std::get<0>(topics)) {
    if (!selector.selects(topic)) continue;
    for (int p = 0; p < count; ++p) {
      rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), p);
    }
  }
  out.partitions = partitions->cnt;
  if (auto err = rd_kafka_committed(client.get(), partitions.get(), 10000)) {
    out.note += std::string("; group offsets unreadable: ") + rd_kafka_err2str(err);
    return;
  }
  int64_t lag = 0;
  int64_t expired = 0;
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& p = partitions->elems[i];
    int64_t low = 0, high = 0;
    if (auto err = kafka::query_watermarks(client.get(), p.topic, p.partition, &low, &high,
                                           std::chrono::seconds(5))) {
      // A sum without this partition would look complete: the lag stays unknown instead.
      out.note += "; lag unknown: high watermark of " + std::string(p.topic) + "[" +
                  std::to_string(p.partition) + "]: " + rd_kafka_err2str(err);
      return;
    }
    lag += high - (p.offset >= 0 ? p.offset : low);  // never committed: all of it
    // Heartbeats are pulses, not data: a long stop outlives their retention.
    if (p.offset >= 0 && p.offset < low && std::string_view(p.topic) != "duplex.heartbeats") {
      expired += low - p.offset;
      out.note += "; source gap: " + std::string(p.topic) + "[" + std::to_string(p.partition) +
                  "] offsets " + std::to_string(p.offset) + " to " + std::to_string(low - 1) +
                  " expired before they were copied";
    }
  }
  out.lag = lag;
  out.records_lost = static_cast<double>(expired);
}

// The age of the newest checkpoint in duplex.checkpoints.<source>: what failover would use.
void read_checkpoint_age(const config::Config& config, const config::Flow& flow, FlowStatus& out) {
  offsets::Failover failover(config, flow.source, 10s);
  if (auto err = failover.read_checkpoints()) {
    out.note += "; no checkpoint age: " + err.message();
    return;
  }
  int64_t newest_ms = -1;
  for (const auto& [key, checkpoint] : failover.checkpoints()) {
    newest_ms = std::max(newest_ms, checkpoint.time_ms);
  }
  if (newest_ms < 0) return;
  auto now = std::chrono::system_clock::now().time_since_epoch();
  out.checkpoint_age_seconds =
      std::max<double>(0, std::chrono::duration<double>(now).count() - newest_ms / 1000.0);
}

}  // namespace

std::vector<FlowStatus> read_status(const config::Config& config,
                                    std::chrono::milliseconds window) {
  const std::string host = config.metrics_listen.substr(0, config.metrics_listen.rfind(':'));
  const int port = std::stoi(config.metrics_listen.substr(config.metrics_listen.rfind(':') + 1));
  auto scrape = [&] {
    auto response = metrics::http_get(host.empty() ? "127.0.0.1" : host, port, "/metrics");
    return metrics::status_of(response) == 200 ? metrics::body_of(response) : std::string();
  };
  std::string first = scrape();
  std::string second;
  if (!first.empty()) {
    std::this_thread::sleep_for(window);
    second = scrape();
  }

  std::vector<FlowStatus> out;
  for (const auto& flow : config.flows) {
    FlowStatus s;
    s.flow = flow.source + "->" + config.region;
    if (!second.empty()) {
      const metrics::Labels labels = {{"flow", s.flow}};
      s.sidecar_answering = true;
      s.note = "from the sidecar at " + config.metrics_listen;
      s.lag = static_cast<int64_t>(metrics::sum_samples(second, "duplex_lag_records", labels));
      s.partitions = metrics::count_samples(second, "duplex_lag_records", labels);
      double seconds = std::chrono::duration<double>(window).count();
      s.records_per_second = (metrics::sum_samples(second, "duplex_records_copied_total", labels) -
                              metrics::sum_samples(first, "duplex_records_copied_total", labels)) /
                             seconds;
      s.latency_p99_seconds =
          metrics::histogram_quantile(second, "duplex_replication_latency_seconds", 0.99, labels);
      s.errors = metrics::sum_samples(second, "duplex_errors_total", labels);
      s.records_lost = metrics::sum_samples(second, "duplex_records_lost_total", labels);
      s.source_silence_seconds =
          metrics::sum_samples(second, "duplex_source_silence_seconds", labels);
      s.checkpoint_age_seconds =
          metrics::min_sample(second, "duplex_checkpoint_age_seconds", labels).value_or(-1);
    } else {
      s.note = "sidecar not answering on " + config.metrics_listen +
               "; lag from the source group's commits";
      try {
        read_from_source(config, flow, s);
        read_checkpoint_age(config, flow, s);
      } catch (const std::exception& e) {
        s.note += std::string("; ") + e.what();
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace duplex::status
