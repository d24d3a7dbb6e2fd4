// duplex against MirrorMaker 2 and the broker's own intake, on real local Kafka
// (scripts/kafka-local), on identical data. Per record size and per replicator:
//   1. a backlog of N records is written to a fresh topic in east (its rate: the ceiling);
//   2. the replicator starts and copies it to west; throughput is timed from the first record
//      on the target to the last, CPU per GB over the same span, peak RSS at the end;
//   3. a producer then writes at a fixed moderate rate for some seconds, and a read_committed
//      consumer on west measures each record's arrival minus its timestamp (p50, p99);
//   4. a read_committed consumer checks every backlog id on west: a replicator that dropped
//      records (or duplicated them in exactly-once mode) gets a void row.
// Prints markdown tables with the ratios; BENCHMARKS.md keeps the latest full run.
// With --baseline-duplex PATH, `duplex-base` and `duplex-base-eos` run that binary in the two
// modes, so that one run compares two builds (before/after a change) on the same data.
// `duplex-lww` copies with conflict.policy last-writer-wins (every copy judged against the key
// index, the home reader reading the target topic): with --keys N the records have N keys.
// With --rtt D every replicator reads east through a delaying proxy (tools/link_proxy, D/2 each
// way) on east's LINK listener, so every byte between east and the replicator crosses the
// delay; the writer and the verifying consumer stay on loopback. `duplex-loopback` then copies
// without the proxy, for the ratio to duplex over the link; a third table gives the link's
// measured round trip, the bytes that crossed it per record copied, and the RPO that
// `duplex failover --dry-run` reported while the paced writer ran.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "config/duration.h"
#include "config/size.h"
#include "kafka/client_factory.h"
#include "kafka/produce.h"
#include "kafka/timestamps.h"
#include "kafka/topic_admin.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/command.h"
#include "tests/support/process.h"
#include "tests/support/record_io.h"
#include "tools/link_proxy/link_proxy.h"

namespace po = boost::program_options;
using namespace std::chrono_literals;
using duplex::bench::client;
using duplex::bench::Clock;
using duplex::bench::fixed;
using duplex::bench::parse_list;
using duplex::bench::seconds_since;
using duplex::kafka::HandlePtr;

namespace {

struct Options {
  std::string binary, baseline, kafka_local, east, west, work_dir;
  std::vector<int> sizes;
  std::vector<int64_t> records;  // per size
  std::vector<std::string> replicators;
  int partitions = 8;
  int64_t keys = 0;            // 0: records without a key
  double latency_share = 0.5;  // of the first replicator's throughput
  int latency_seconds = 10;
  // --rtt: the delayed link between east and the replicators (null: none).
  duplex::link_proxy::LinkProxy* link = nullptr;
  std::string east_link;  // east's bootstrap through the proxy
  std::chrono::milliseconds rtt{0};
  std::vector<std::string> source_properties;  // k=v added to duplex's east cluster (tuning)
};

// Reads checkpoints under steady load; committed on east before each replicator starts.
constexpr const char* kRpoGroup = "duplex-bench-rpo";

struct Measurement {
  double produce_per_s = 0;  // the backlog's writer: the broker's intake
  double records_per_s = -1, mb_per_s = -1, cpu_s_per_gb = -1, rss_mib = -1;
  double latency_rate = 0, p50_ms = -1, p99_ms = -1;
  std::string verdict;
  bool complete = false;
  // Over the delayed link only.
  double link_rtt_ms = -1, link_bytes_per_record = -1;
  std::string rpo;  // per dry run under load: the largest rpo_seconds of its partitions
};

// Record i: the id "<prefix>-<i>", then padding to `size` bytes; with `keys`, the key
// "k-<i % keys>". A full queue waits (at most message.timeout.ms: queued records time out and
// make room).
void send(rd_kafka_t* producer, const std::string& topic, const std::string& prefix, int64_t i,
          int size, const Options& o, int64_t timestamp = 0) {
  std::string value = prefix + "-" + std::to_string(i) + " ";
  value.resize(std::max(value.size(), static_cast<size_t>(size)), 'x');
  const std::string key = o.keys > 0 ? "k-" + std::to_string(i % o.keys) : "";
  duplex::kafka::OutgoingRecord record;
  record.topic = topic.c_str();
  // i % partitions: a key keeps its partition when `keys` is a multiple of the partitions.
  record.partition = static_cast<int32_t>(i % o.partitions);
  if (!key.empty()) {
    record.key = key.data();
    record.key_len = key.size();
  }
  record.value = value.data();
  record.value_len = value.size();
  record.timestamp = timestamp;
  if (auto err = duplex::kafka::produce(producer, record)) {
    throw std::runtime_error(std::string("producing: ") + rd_kafka_err2str(err));
  }
}

HandlePtr fast_producer(const Options& o) {
  return client(o.east, RD_KAFKA_PRODUCER,
                {{"enable.idempotence", "true"}, {"linger.ms", "20"}, {"batch.size", "1000000"}});
}

// The backlog, as fast as the broker takes it; returns records/s.
double write_backlog(const Options& o, const std::string& topic, int size, int64_t records) {
  auto producer = fast_producer(o);
  auto start = Clock::now();
  for (int64_t i = 0; i < records; ++i) send(producer.get(), topic, "r", i, size, o);
  if (rd_kafka_flush(producer.get(), 300000))
    throw std::runtime_error("producing: flush timed out");
  return static_cast<double>(records) / seconds_since(start);
}

// Records in a topic without transactions: the sum of its high watermarks (0 while missing).
int64_t records_in(rd_kafka_t* rk, const std::string& topic, int partitions) {
  int64_t sum = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 2000)) return 0;
    sum += high;
  }
  return sum;
}

class Replicator {
 public:
  Replicator(const Options& o, std::string name, const std::string& topic, int index)
      : o_(o), name_(std::move(name)), topic_(topic), west_(client(o.west, RD_KAFKA_PRODUCER)) {
    const std::string base = o.work_dir + "/" + std::to_string(index) + "-" + name_;
    // Over the link unless there is none, or this is the loopback reference.
    const std::string east = o.link && name_ != "duplex-loopback" ? o.east_link : o.east;
    if (name_ == "mm2") {
      target_ = "east." + topic;  // MirrorMaker 2's default replication policy
      std::ofstream(base + ".properties")
          << "clusters = east, west\neast.bootstrap.servers = " << east
          << "\nwest.bootstrap.servers = " << o.west << "\neast->west.enabled = true\n"
          << "east->west.topics = " << topic
          << "\nwest->east.enabled = false\n"
          // Fair tuning: one task per core, batches as large as duplex's producer makes.
          << "tasks.max = " << std::thread::hardware_concurrency() << "\n"
          << "west.producer.linger.ms = 5\nwest.producer.batch.size = 1048576\n"
          << "east.consumer.max.poll.records = 2000\n"
          << "replication.factor = 1\ncheckpoints.topic.replication.factor = 1\n"
          << "heartbeats.topic.replication.factor = 1\n"
          << "offset-syncs.topic.replication.factor = 1\noffset.storage.replication.factor = 1\n"
          << "status.storage.replication.factor = 1\nconfig.storage.replication.factor = 1\n";
      process_ = std::make_unique<duplex::testing::Process>(
          std::vector<std::string>{o.kafka_local, "mm2", base + ".properties", "--clusters",
                                   "west"},
          base + ".log");
      return;
    }
    target_ = topic;
    config_ = base + ".yaml";
    std::string extra;
    for (const auto& kv : o.source_properties) {
      const auto eq = kv.find('=');
      extra += ", \"" + kv.substr(0, eq) + "\": \"" + kv.substr(eq + 1) + "\"";
    }
    std::ofstream(config_) << "region: west\nclusters:\n  east: { bootstrap.servers: \"" << east
                           << "\"" << extra << " }\n  west: { bootstrap.servers: \"" << o.west
                           << "\" }\nflows:\n  - source: east\n    topics: { include: [\"" << topic
                           << "\"], refresh: 1s }\n    groups: { include: [\"" << kRpoGroup
                           << "\"] }\ndelivery: "
                           << (exactly_once(name_) ? "exactly-once" : "at-least-once")
                           << "\ncheckpoint: { interval: 1s }\nmetrics: { listen: \"127.0.0.1:"
                           << kPort << "\" }\n";
    if (name_.rfind("duplex-lww", 0) == 0) {
      std::ofstream(base + ".yaml", std::ios::app)
          << "conflict:\n  policy: last-writer-wins\n  region_rank: [east, west]\n  index: { dir: "
             "\""
          << base << "-index\" }\n";
    }
    const std::string& binary = name_.rfind("duplex-base", 0) == 0 ? o.baseline : o.binary;
    process_ = std::make_unique<duplex::testing::Process>(
        std::vector<std::string>{binary, "run", "--config", base + ".yaml"}, base + ".log");
  }

  // duplex-eos and duplex-base-eos.
  static bool exactly_once(const std::string& name) {
    return name.size() > 4 && name.compare(name.size() - 4, 4, "-eos") == 0;
  }
  ~Replicator() { process_->terminate(60s); }

  // Records of the backlog on the target: committed (exactly-once) or acknowledged.
  int64_t copied() {
    if (exactly_once(name_)) {  // transaction markers make watermarks overcount
      auto body = duplex::metrics::body_of(duplex::metrics::http_get(kPort, "/metrics"));
      return static_cast<int64_t>(
          duplex::metrics::sum_samples(body, "duplex_records_copied_total", {{"topic", topic_}}));
    }
    return records_in(west_.get(), target_, o_.partitions);
  }
  bool running() { return process_->running(); }
  pid_t pid() const { return process_->pid(); }
  const std::string& target() const { return target_; }
  const std::string& log() const { return process_->log_path(); }
  const std::string& config() const { return config_; }  // empty for MirrorMaker 2

 private:
  static constexpr int kPort = 29470;
  const Options& o_;
  std::string name_, topic_, target_, config_;
  HandlePtr west_;
  std::unique_ptr<duplex::testing::Process> process_;
};

// The largest RPO `duplex failover --dry-run` reports for kRpoGroup's partitions of `target`
// now, in seconds ("unknown" when a partition's is; the error when the command fails).
std::string dry_run_rpo(const Options& o, const std::string& config, const std::string& target) {
  auto out = duplex::testing::run_command(o.binary + " failover --config " + config +
                                          " --from east --group " + kRpoGroup +
                                          " --dry-run --output json");
  if (out.exit_code != 0) {
    return "failed (exit " + std::to_string(out.exit_code) +
           "): " + out.output.substr(0, out.output.find('\n'));
  }
  std::ofstream(config + ".dry-runs", std::ios::app) << out.output;  // kept with the logs
  // One object per partition, each naming its topic before its rpo_seconds; earlier runs'
  // topics have checkpoints of the same group too.
  const std::string topic = "\"topic\":\"" + target + "\"", field = "\"rpo_seconds\":";
  double largest = -1;
  for (size_t at = out.output.find(topic); at != std::string::npos;
       at = out.output.find(topic, at + 1)) {
    const size_t rpo = out.output.find(field, at);
    if (rpo == std::string::npos) break;
    const std::string value = out.output.substr(rpo + field.size(), 12);
    if (value.rfind("null", 0) == 0) return "unknown";
    largest = std::max(largest, std::stod(value));
  }
  if (largest < 0) return "no partitions in the plan";
  std::ostringstream text;
  text << std::fixed << std::setprecision(2) << largest;
  return text.str();
}

// Writes `rate` records/s for `seconds` and measures their arrival on the target. With a
// duplex `config`, asks `duplex failover --dry-run` for the RPO at 70% of the paced span.
void measure_latency(const Options& o, const std::string& topic, const std::string& target,
                     int size, double rate, const std::string& config, Measurement& m) {
  auto consumer = client(o.west, RD_KAFKA_CONSUMER,
                         {{"group.id", "duplex-bench-latency"},
                          {"enable.auto.commit", "false"},
                          {"isolation.level", "read_committed"},
                          {"fetch.wait.max.ms", "10"}});
  duplex::kafka::PartitionListPtr assignment(rd_kafka_topic_partition_list_new(o.partitions));
  for (int p = 0; p < o.partitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment.get(), target.c_str(), p)->offset =
        RD_KAFKA_OFFSET_END;
  }
  rd_kafka_assign(consumer.get(), assignment.get());
  std::this_thread::sleep_for(1s);  // the consumer has its positions before the first record

  const int64_t total = static_cast<int64_t>(rate * o.latency_seconds);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    auto producer =
        client(o.east, RD_KAFKA_PRODUCER, {{"enable.idempotence", "true"}, {"linger.ms", "1"}});
    auto start = Clock::now();
    for (int64_t i = 0; i < total; ++i) {
      // Paced: record i leaves at start + i / rate.
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(i / rate)));
      send(producer.get(), topic, "lat", i, size, o, duplex::kafka::now_ms());
      rd_kafka_poll(producer.get(), 0);
    }
    rd_kafka_flush(producer.get(), 60000);
    done = true;
  });
  std::thread rpo_probe([&] {
    if (!o.link || config.empty()) return;
    // Points in time under load, not a synchronisation: the writer runs on meanwhile. The
    // first two seconds into it, then one a second while it writes.
    std::vector<std::string> seen;
    for (auto at = Clock::now() + 2s; !done.load(); at += 1s) {
      std::this_thread::sleep_until(at);
      if (!done.load()) seen.push_back(dry_run_rpo(o, config, target));
    }
    for (size_t i = 0; i < seen.size(); ++i) m.rpo += (i ? " " : "") + seen[i];
    if (seen.empty()) m.rpo = "-";
  });
  std::vector<double> latencies;
  auto deadline = Clock::now() + std::chrono::seconds(o.latency_seconds + 60);
  while (static_cast<int64_t>(latencies.size()) < total && Clock::now() < deadline) {
    duplex::kafka::MessagePtr msg(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!msg || msg->err || msg->len < 4 || std::memcmp(msg->payload, "lat-", 4) != 0) continue;
    latencies.push_back(static_cast<double>(duplex::kafka::now_ms() -
                                            rd_kafka_message_timestamp(msg.get(), nullptr)));
  }
  writer.join();
  rpo_probe.join();
  rd_kafka_consumer_close(consumer.get());
  m.latency_rate = rate;
  if (latencies.empty()) return;
  std::sort(latencies.begin(), latencies.end());
  m.p50_ms = latencies[latencies.size() / 2];
  m.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  if (static_cast<int64_t>(latencies.size()) < total) {
    m.verdict += "; latency: " + std::to_string(total - latencies.size()) + " records late";
  }
}

// One replicator on a fresh backlog in `topic`; the replicator is stopped on return.
Measurement measure(const Options& o, const std::string& name, const std::string& topic, int size,
                    int64_t records, double latency_rate, int index, std::string& target) {
  Measurement m;
  m.produce_per_s = write_backlog(o, topic, size, records);
  if (o.link) {  // a group for the checkpoints that failover's dry run reads
    auto group = client(o.east, RD_KAFKA_CONSUMER, {{"group.id", kRpoGroup}});
    duplex::kafka::PartitionListPtr offsets(rd_kafka_topic_partition_list_new(o.partitions));
    for (int p = 0; p < o.partitions; ++p) {
      rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), p)->offset = 0;
    }
    if (auto err = rd_kafka_commit(group.get(), offsets.get(), 0)) {
      throw std::runtime_error(std::string("committing ") + kRpoGroup + ": " +
                               rd_kafka_err2str(err));
    }
  }
  const uint64_t link_before = o.link ? o.link->bytes_up() + o.link->bytes_down() : 0;

  Replicator replicator(o, name, topic, index);
  target = replicator.target();
  // Timed from the first copy on the target to the last: start-up is not copying.
  Clock::time_point first_at;
  int64_t first = -1, now = 0;
  double cpu_at_first = 0;
  auto deadline = Clock::now() + 900s;
  while ((now = replicator.copied()) < records && Clock::now() < deadline && replicator.running()) {
    if (first < 0 && now > 0) {
      first = now;
      first_at = Clock::now();
      cpu_at_first = duplex::bench::usage_of(replicator.pid()).cpu_s;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (now < records) {
    m.verdict = "void: copied " + std::to_string(now) + " of " + std::to_string(records) +
                " (log: " + replicator.log() + ")";
    return m;
  }
  const auto usage = duplex::bench::usage_of(replicator.pid());
  const double cpu = usage.cpu_s, rss = usage.rss_mib;
  if (o.link && name != "duplex-loopback") {  // start-up and the copy: what a copy costs the link
    m.link_bytes_per_record =
        static_cast<double>(o.link->bytes_up() + o.link->bytes_down() - link_before) /
        static_cast<double>(records);
  }
  if (first < 0 || first == records) {  // all in the first sample: too small to time
    m.verdict = "too small to time";
  } else {
    const double seconds = seconds_since(first_at);
    m.records_per_s = static_cast<double>(records - first) / seconds;
    m.mb_per_s = m.records_per_s * size / 1e6;
    m.cpu_s_per_gb = (cpu - cpu_at_first) / (static_cast<double>(records - first) * size / 1e9);
  }
  m.rss_mib = rss;
  const double rate = latency_rate > 0 ? latency_rate : o.latency_share * m.records_per_s;
  if (rate > 0) {
    measure_latency(o, topic, replicator.target(), size, rate, replicator.config(), m);
  }

  // Void unless complete: every backlog id on the target, once in exactly-once mode.
  auto got = duplex::testing::read_all(o.west, replicator.target(), static_cast<size_t>(records),
                                       300s, 1s);
  std::set<std::string> ids;
  size_t backlog = 0;
  for (const auto& record : got) {
    if (!record.value || record.value->rfind("r-", 0) != 0) continue;
    backlog++;
    ids.insert(record.value->substr(0, record.value->find(' ')));
  }
  const int64_t missing = records - static_cast<int64_t>(ids.size());
  const size_t duplicates = backlog - ids.size();
  m.complete = missing == 0 && (!Replicator::exactly_once(name) || duplicates == 0);
  m.verdict = (m.complete ? "complete, " : "void: " + std::to_string(missing) + " missing, ") +
              std::to_string(duplicates) + " dup" + m.verdict;
  return m;
}

// The delay really applied: the fastest of three Kafka ApiVersions (v0) round trips on one raw
// connection through the proxy, each one request and one response (librdkafka's calls may
// take more than one). Throws when the link does not answer.
double link_round_trip_ms(const std::string& link) {
  const auto at = duplex::link_proxy::parse_endpoint(link);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(at.port));
  timeval limit{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  if (::inet_pton(AF_INET, at.host.c_str(), &a.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw std::runtime_error("the link " + link + " does not answer");
  }
  double fastest = -1;
  for (int32_t id = 1; id <= 3; ++id) {
    // size 10; api_key 18 (ApiVersions), version 0, correlation id, client id null
    const unsigned char request[14] = {
        0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, static_cast<unsigned char>(id), 0xff, 0xff};
    auto start = Clock::now();
    bool ok = ::send(fd, request, sizeof request, MSG_NOSIGNAL) == sizeof request;
    unsigned char size[4];
    ok = ok && ::recv(fd, size, 4, MSG_WAITALL) == 4;
    std::vector<char> body(ok ? (size[0] << 24 | size[1] << 16 | size[2] << 8 | size[3]) : 0);
    ok = ok &&
         ::recv(fd, body.data(), body.size(), MSG_WAITALL) == static_cast<ssize_t>(body.size());
    if (!ok) {
      ::close(fd);
      throw std::runtime_error("no ApiVersions answer through the link " + link);
    }
    const double ms = seconds_since(start) * 1000;
    if (fastest < 0 || ms < fastest) fastest = ms;
  }
  ::close(fd);
  return fastest;
}

// Measures on a topic created for the run and deleted after it in both regions, so that a
// full run's gigabytes do not pile up on the disk.
Measurement run(const Options& o, const std::string& name, int size, int64_t records,
                double latency_rate, int index) {
  const std::string topic = "bench-" + std::to_string(getpid()) + "-" + std::to_string(index);
  auto east_client = client(o.east, RD_KAFKA_PRODUCER);
  auto west_client = client(o.west, RD_KAFKA_PRODUCER);
  duplex::kafka::TopicAdmin east(east_client.get(), "east"), west(west_client.get(), "west");
  if (auto err = east.create_topic(topic, o.partitions, {}, 30s)) {
    throw std::runtime_error(err.message());
  }
  const double link_rtt_ms = o.link ? link_round_trip_ms(o.east_link) : -1;
  std::string target;
  auto m = measure(o, name, topic, size, records, latency_rate, index, target);
  if (name != "duplex-loopback") m.link_rtt_ms = link_rtt_ms;
  for (auto err : {east.delete_topic(topic, 30s), west.delete_topic(target, 30s)}) {
    if (err) std::cerr << "duplex_bench: " << err.message() << "\n";
  }
  return m;
}

std::string ratio(double a, double b) {
  return a > 0 && b > 0 ? fixed(a / b, 2) : "-";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string sizes, records, replicators, rtt, link_listener, link_bandwidth, source_properties;
  po::options_description desc("Usage: duplex_bench [options]\nOptions");
  desc.add_options()("help", "this text")(
      "sizes", po::value<std::string>(&sizes)->default_value("100,1024,10240"),
      "record sizes in bytes, comma-separated")(
      "records", po::value<std::string>(&records)->default_value("8000000,2000000,250000"),
      "records per size (one number: for every size)")(
      "replicators", po::value<std::string>(&replicators),
      "duplex (at-least-once), duplex-eos (exactly-once), mm2, duplex-base and duplex-base-eos "
      "(with --baseline-duplex), duplex-lww and duplex-lww-eos (conflict.policy "
      "last-writer-wins, with --keys); the first is the one compared. Default: "
      "duplex,duplex-eos,mm2, or with --baseline-duplex duplex,duplex-base,duplex-eos,"
      "duplex-base-eos")(
      "baseline-duplex", po::value<std::string>(&o.baseline),
      "another duplex binary (e.g. a build of main) that duplex-base and duplex-base-eos run, "
      "for a before/after comparison in one run")(
      "partitions", po::value<int>(&o.partitions)->default_value(8), "source partitions")(
      "keys", po::value<int64_t>(&o.keys)->default_value(0),
      "distinct keys of the records (0: no keys); a multiple of --partitions")(
      "latency-seconds", po::value<int>(&o.latency_seconds)->default_value(10),
      "seconds of paced writing for the latency figures")(
      "latency-share", po::value<double>(&o.latency_share)->default_value(0.5),
      "paced rate as a share of the first replicator's throughput at that size")(
      "duplex", po::value<std::string>(&o.binary)->default_value(DUPLEX_BINARY), "duplex binary")(
      "kafka-local", po::value<std::string>(&o.kafka_local)->default_value(DUPLEX_KAFKA_LOCAL),
      "scripts/kafka-local (runs MirrorMaker 2)")(
      "east", po::value<std::string>(&o.east)->default_value("127.0.0.1:19092"), "east bootstrap")(
      "west", po::value<std::string>(&o.west)->default_value("127.0.0.1:29092"), "west bootstrap")(
      "rtt", po::value<std::string>(&rtt),
      "a delayed link between east and the replicators, this round trip (e.g. 100ms; half each "
      "way); adds duplex-loopback to the replicators and a table of the link")(
      "link-bandwidth", po::value<std::string>(&link_bandwidth)->default_value("0B"),
      "with --rtt: bytes a second per direction of the link (e.g. 100MiB; 0B: no cap)")(
      "east-link", po::value<std::string>(&o.east_link)->default_value("127.0.0.1:19095"),
      "with --rtt: where the proxy listens, the address east's LINK listener advertises")(
      "east-link-listener",
      po::value<std::string>(&link_listener)->default_value("127.0.0.1:19094"),
      "with --rtt: east's LINK listener, where the proxy forwards to")(
      "source-properties", po::value<std::string>(&source_properties),
      "librdkafka properties k=v,k=v for duplex's east cluster (to compare tunings)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "duplex_bench: " << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  try {
    o.sizes = parse_list<int>(sizes);
    o.records = parse_list<int64_t>(records);
    o.source_properties = parse_list<std::string>(source_properties);
  } catch (const std::invalid_argument& e) {
    std::cerr << "duplex_bench: not a list of numbers: " << e.what() << "\n";
    return 2;
  }
  for (const auto& kv : o.source_properties) {
    if (kv.find('=') == std::string::npos) {
      std::cerr << "duplex_bench: --source-properties: '" << kv << "' is not k=v\n";
      return 2;
    }
  }
  if (replicators.empty()) {
    replicators = !o.baseline.empty() ? "duplex,duplex-base,duplex-eos,duplex-base-eos"
                  : !rtt.empty()      ? "duplex,duplex-eos,mm2,duplex-loopback"
                                      : "duplex,duplex-eos,mm2";
  }
  std::unique_ptr<duplex::link_proxy::LinkProxy> link;
  if (!rtt.empty()) {
    auto round_trip = duplex::config::parse_duration(rtt);
    auto bandwidth = duplex::config::parse_size(link_bandwidth);
    if (!round_trip || !bandwidth) {
      std::cerr << "duplex_bench: --rtt needs a duration (e.g. 100ms), --link-bandwidth a size\n";
      return 2;
    }
    o.rtt = std::chrono::duration_cast<std::chrono::milliseconds>(*round_trip);
    try {
      const auto half = std::chrono::duration_cast<std::chrono::microseconds>(*round_trip) / 2;
      // 64 MiB in flight per direction and connection: 320 MB/s at 200 ms.
      link = std::make_unique<duplex::link_proxy::LinkProxy>(
          duplex::link_proxy::parse_endpoint(o.east_link),
          duplex::link_proxy::parse_endpoint(link_listener), duplex::link_proxy::Delay{half, half},
          64 << 20);
      link->set_bandwidth(*bandwidth);
    } catch (const std::exception& e) {
      std::cerr << "duplex_bench: the link: " << e.what() << "\n";
      return 2;
    }
    o.link = link.get();
  }
  o.replicators = parse_list<std::string>(replicators);
  if (o.records.size() == 1) o.records.resize(o.sizes.size(), o.records[0]);
  if (o.records.size() != o.sizes.size() || o.replicators.empty()) {
    std::cerr << "duplex_bench: --records needs one number or one per size\n";
    return 2;
  }
  for (const auto& name : o.replicators) {
    static const std::set<std::string> known = {"duplex",         "duplex-eos",      "mm2",
                                                "duplex-base",    "duplex-base-eos", "duplex-lww",
                                                "duplex-lww-eos", "duplex-loopback"};
    if (!known.count(name)) {
      std::cerr << "duplex_bench: unknown replicator '" << name << "'\n";
      return 2;
    }
    if (name.rfind("duplex-lww", 0) == 0 && o.keys == 0) {
      std::cerr << "duplex_bench: " << name << " needs --keys N\n";
      return 2;
    }
    if (name == "duplex-loopback" && !o.link) {
      std::cerr << "duplex_bench: duplex-loopback needs --rtt\n";
      return 2;
    }
    if (name.rfind("duplex-base", 0) == 0 && o.baseline.empty()) {
      std::cerr << "duplex_bench: " << name << " needs --baseline-duplex PATH\n";
      return 2;
    }
  }
  if (!o.baseline.empty() && access(o.baseline.c_str(), X_OK) != 0) {
    std::cerr << "duplex_bench: --baseline-duplex " << o.baseline << ": not an executable\n";
    return 2;
  }
  o.work_dir =
      (std::filesystem::temp_directory_path() / ("duplex-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(o.work_dir);

  // results[size index][replicator]
  std::vector<std::map<std::string, Measurement>> results(o.sizes.size());
  int index = 0;
  try {
    for (size_t s = 0; s < o.sizes.size(); ++s) {
      double rate = 0;  // paced rate for every replicator: a share of the first one's
      for (const auto& name : o.replicators) {
        std::cerr << "duplex_bench: " << name << ": " << o.records[s] << " x " << o.sizes[s]
                  << " B over " << o.partitions << " partitions\n";
        auto m = run(o, name, o.sizes[s], o.records[s], rate, index++);
        if (rate == 0) rate = m.latency_rate;
        results[s][name] = m;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "duplex_bench: " << e.what() << "\n";
    return 1;
  }

  const std::string& us = o.replicators.front();
  auto has = [&](const std::string& n) {
    return std::find(o.replicators.begin(), o.replicators.end(), n) != o.replicators.end();
  };
  // Ratio columns: a / b, for the pairs of this run.
  std::vector<std::pair<std::string, std::string>> ratios;
  if (has("mm2")) ratios.emplace_back(us, "mm2");
  if (has("duplex-loopback")) ratios.emplace_back(us, "duplex-loopback");
  if (has("duplex-loopback") && has("duplex-eos") && us != "duplex-eos" && has("mm2")) {
    ratios.emplace_back("duplex-eos", "mm2");
  }
  ratios.emplace_back(us, "ceiling");
  if (has("duplex-eos") && us != "duplex-eos") ratios.emplace_back("duplex-eos", us);
  for (const std::string mode : {"", "-eos"}) {
    if (!has("duplex" + mode)) continue;
    // This build against the baseline's; last-writer-wins against no policy.
    if (has("duplex-base" + mode)) ratios.emplace_back("duplex" + mode, "duplex-base" + mode);
    if (has("duplex-lww" + mode)) ratios.emplace_back("duplex-lww" + mode, "duplex" + mode);
  }
  std::cout << "\n### Throughput (records/s)\n\n| size B | records | ceiling |";
  for (const auto& n : o.replicators) std::cout << " " << n << " |";
  for (const auto& [a, b] : ratios)
    std::cout << " " << a << "/" << (b == "mm2" ? "MM2" : b) << " |";
  std::cout << "\n|";
  const size_t columns = 3 + o.replicators.size() + ratios.size();
  for (size_t c = 0; c < columns; ++c) std::cout << "---|";
  std::cout << "\n";
  bool complete = true;
  for (size_t s = 0; s < o.sizes.size(); ++s) {
    auto& r = results[s];
    double ceiling = 0;
    for (const auto& [n, m] : r) ceiling += m.produce_per_s / static_cast<double>(r.size());
    std::cout << "| " << o.sizes[s] << " | " << o.records[s] << " | " << fixed(ceiling, 0) << " |";
    for (const auto& n : o.replicators) std::cout << " " << fixed(r[n].records_per_s, 0) << " |";
    for (const auto& [a, b] : ratios) {
      std::cout << " " << ratio(r[a].records_per_s, b == "ceiling" ? ceiling : r[b].records_per_s)
                << " |";
    }
    std::cout << "\n";
    for (const auto& n : o.replicators) {
      complete = complete && r[n].complete;
      // Over the link, a round trip shorter than asked means the delay was not applied.
      if (o.link && n != "duplex-loopback" &&
          r[n].link_rtt_ms < static_cast<double>(o.rtt.count())) {
        std::cerr << "duplex_bench: " << n << " at " << o.sizes[s] << " B: the link's round trip "
                  << fixed(r[n].link_rtt_ms, 1) << " ms, below " << o.rtt.count() << " ms\n";
        complete = false;
      }
    }
  }
  std::cout << "\n### Cost and latency\n\n| size B | replicator | MB/s | CPU s/GB | peak RSS MiB |"
               " CPU vs "
            << us << " | RSS vs " << us
            << " | paced rate/s | p50 ms | p99 ms | copy |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (size_t s = 0; s < o.sizes.size(); ++s) {
    auto& r = results[s];
    for (const auto& n : o.replicators) {
      const auto& m = r[n];
      std::cout << "| " << o.sizes[s] << " | " << n << " | " << fixed(m.mb_per_s, 1) << " | "
                << fixed(m.cpu_s_per_gb, 1) << " | " << fixed(m.rss_mib, 0) << " | "
                << ratio(m.cpu_s_per_gb, r[us].cpu_s_per_gb) << " | "
                << ratio(m.rss_mib, r[us].rss_mib) << " | " << fixed(m.latency_rate, 0) << " | "
                << fixed(m.p50_ms, 0) << " | " << fixed(m.p99_ms, 0) << " | " << m.verdict
                << " |\n";
    }
  }
  if (o.link) {
    std::cout << "\n### The link (" << o.rtt.count()
              << " ms round trip)\n\n| size B | replicator | measured RTT ms | link B/record | "
                 "link B / record B | RPO s (dry runs under load, one a second) "
                 "|\n|---|---|---|---|---|---|\n";
    for (size_t s = 0; s < o.sizes.size(); ++s) {
      for (const auto& n : o.replicators) {
        const auto& m = results[s][n];
        std::cout << "| " << o.sizes[s] << " | " << n << " | " << fixed(m.link_rtt_ms, 0) << " | "
                  << fixed(m.link_bytes_per_record, 0) << " | "
                  << ratio(m.link_bytes_per_record, o.sizes[s]) << " | "
                  << (n == "mm2" ? "-" : m.rpo) << " |\n";
      }
    }
  }
  std::cout << "\nceiling: one idempotent producer (acks=all) writing the same backlog; "
            << o.partitions << " partitions; logs and configs: " << o.work_dir << "\n";
  return complete ? 0 : 1;
}
