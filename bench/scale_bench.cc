// duplex at scale on real local Kafka (scripts/kafka-local), issue 16 goal 4:
//   1. copy: per layout (topics x partitions per topic) and delivery mode, a backlog spread
//      evenly over every partition of east is copied to west by one sidecar; throughput from the
//      first copy to the last, CPU s/GB over that span, peak RSS (VmHWM) and peak threads (from
//      /proc, sampled from the sidecar's start to the end of the copy), each against the same
//      mode's first layout; and the backlog writer's rate (one idempotent producer into east:
//      what the brokers take at that layout, the ceiling of the other benchmark); then every
//      partition's records on west are counted (read_committed) against what was written there on
//      east;
//   2. checkpoints: per group count, that many groups commit offsets on east (admin requests,
//      all in flight at once, no consumers), a sidecar checkpoints them every 5 s (duplex's
//      default; --checkpoint-interval); a round's duration comes from
//      duplex_checkpoint_round_seconds once every group has a checkpoint;
//   3. failover: with the sidecar stopped, `duplex failover --group-regex` of those groups,
//      timed as a command.
// Prints markdown tables; BENCHMARKS.md ("Scale") keeps the latest run.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "kafka/admin_request.h"
#include "kafka/produce.h"
#include "kafka/topic_admin.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/command.h"
#include "tests/support/process.h"

namespace po = boost::program_options;
using namespace std::chrono_literals;
using duplex::bench::client;
using duplex::bench::Clock;
using duplex::bench::fixed;
using duplex::bench::parse_list;
using duplex::bench::seconds_since;

namespace {

constexpr int kPort = 29480;  // the sidecar's metrics

struct Options {
  std::string binary, east, west, work_dir;
  std::vector<std::pair<int, int>> layouts;  // topics x partitions per topic
  std::vector<std::string> modes;
  int64_t records = 0;
  int size = 0;
  std::vector<int> groups;
  int failover_max = 0;  // failover is timed for group counts up to this
  int copy_timeout_s = 0;
  std::string checkpoint_interval;
};

struct CopyRow {
  std::string mode;
  int topics = 0, partitions = 0;
  double writer_per_s = -1;  // the backlog's writer into east: what the brokers take here
  double records_per_s = -1, mb_per_s = -1, cpu_s_per_gb = -1, rss_mib = -1;
  int peak_threads = -1;
  std::string verdict;
};

struct GroupRow {
  int groups = 0;
  int checkpointed = 0;  // groups with a checkpoint
  double round_s = -1;   // mean of the rounds after every group had a checkpoint
  int rounds = 0;
  double failover_s = -1;
  std::string failover;  // what it moved, or why not
};

// One sidecar from east into west, its config in the work directory.
class Sidecar {
 public:
  Sidecar(const Options& o, const std::string& name, const std::string& topic_regex,
          const std::string& group_regex, bool exactly_once)
      : config_(o.work_dir + "/" + name + ".yaml") {
    std::ofstream(config_) << "region: west\nclusters:\n  east: { bootstrap.servers: \"" << o.east
                           << "\" }\n  west: { bootstrap.servers: \"" << o.west
                           << "\" }\nflows:\n  - source: east\n    topics: { include: [\""
                           << topic_regex << "\"], refresh: 1s }\n    groups: { include: [\""
                           << group_regex << "\"] }\ndelivery: "
                           << (exactly_once ? "exactly-once" : "at-least-once")
                           << "\ncheckpoint: { interval: " << o.checkpoint_interval
                           << " }\nmetrics: { listen: \"127.0.0.1:" << kPort << "\" }\n";
    process_ = std::make_unique<duplex::testing::Process>(
        std::vector<std::string>{o.binary, "run", "--config", config_},
        o.work_dir + "/" + name + ".log");
  }
  ~Sidecar() { stop(); }
  void stop() { process_->terminate(60s); }
  // "" while /metrics does not answer.
  std::string metrics() {
    return duplex::metrics::body_of(duplex::metrics::http_get(kPort, "/metrics"));
  }
  pid_t pid() const { return process_->pid(); }
  bool running() { return process_->running(); }
  const std::string& config() const { return config_; }
  const std::string& log() const { return process_->log_path(); }

 private:
  std::string config_;
  std::unique_ptr<duplex::testing::Process> process_;
};

std::vector<std::string> topic_names(const std::string& prefix, int topics) {
  std::vector<std::string> names;
  for (int t = 0; t < topics; ++t) names.push_back(prefix + "-" + std::to_string(t));
  return names;
}

void create_topics(const Options& o, const std::vector<std::string>& topics, int partitions) {
  auto east_client = client(o.east, RD_KAFKA_PRODUCER);
  duplex::kafka::TopicAdmin east(east_client.get(), "east");
  for (const auto& topic : topics) {
    if (auto err = east.create_topic(topic, partitions, {}, 60s)) {
      throw std::runtime_error(err.message());
    }
  }
}

// In both regions; the west copies may be missing.
void delete_topics(const Options& o, const std::vector<std::string>& topics) {
  auto east_client = client(o.east, RD_KAFKA_PRODUCER);
  auto west_client = client(o.west, RD_KAFKA_PRODUCER);
  duplex::kafka::TopicAdmin east(east_client.get(), "east"), west(west_client.get(), "west");
  for (const auto& topic : topics) {
    for (auto err : {east.delete_topic(topic, 60s), west.delete_topic(topic, 60s)}) {
      if (err && err.code() != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        std::cerr << "duplex_scale_bench: " << err.message() << "\n";
      }
    }
  }
}

// Record i goes to topic i % topics, partition (i / topics) % partitions: every partition gets
// the same share. Returns the count written to each (topic index * partitions + partition).
std::vector<int64_t> write_backlog(const Options& o, const std::vector<std::string>& topics,
                                   int partitions, int64_t records, int size) {
  auto producer =
      client(o.east, RD_KAFKA_PRODUCER,
             {{"enable.idempotence", "true"}, {"linger.ms", "20"}, {"batch.size", "1000000"}});
  const int64_t count = static_cast<int64_t>(topics.size());
  std::vector<int64_t> written(topics.size() * partitions, 0);
  for (int64_t i = 0; i < records; ++i) {
    const auto t = static_cast<size_t>(i % count);
    const auto p = static_cast<int32_t>((i / count) % partitions);
    std::string value = "r-" + std::to_string(i) + " ";
    value.resize(std::max(value.size(), static_cast<size_t>(size)), 'x');
    duplex::kafka::OutgoingRecord record;
    record.topic = topics[t].c_str();
    record.partition = p;
    record.value = value.data();
    record.value_len = value.size();
    if (auto err = duplex::kafka::produce(producer.get(), record)) {
      throw std::runtime_error(std::string("producing: ") + rd_kafka_err2str(err));
    }
    written[t * partitions + p]++;
  }
  if (rd_kafka_flush(producer.get(), 300000)) {
    throw std::runtime_error("producing: flush timed out");
  }
  return written;
}

// Counts every partition's records on west (read_committed, to each partition's end) against
// `written`: "complete" or what is missing or duplicated.
std::string verify(const Options& o, const std::vector<std::string>& topics, int partitions,
                   const std::vector<int64_t>& written) {
  auto consumer = client(o.west, RD_KAFKA_CONSUMER,
                         {{"group.id", "duplex-scale-bench-verify"},
                          {"enable.auto.commit", "false"},
                          {"isolation.level", "read_committed"},
                          {"enable.partition.eof", "true"}});
  duplex::kafka::PartitionListPtr all(
      rd_kafka_topic_partition_list_new(static_cast<int>(written.size())));
  for (const auto& topic : topics) {
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(all.get(), topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  rd_kafka_assign(consumer.get(), all.get());
  std::map<std::string, size_t> index;
  for (size_t t = 0; t < topics.size(); ++t) index[topics[t]] = t;
  std::vector<int64_t> got(written.size(), 0);
  std::vector<bool> at_end(written.size(), false);
  size_t ends = 0;
  const auto deadline = Clock::now() + 300s;
  while (ends < written.size() && Clock::now() < deadline) {
    duplex::kafka::MessagePtr m(rd_kafka_consumer_poll(consumer.get(), 200));
    if (!m) continue;
    const size_t at = index[rd_kafka_topic_name(m->rkt)] * partitions + m->partition;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (!at_end[at]) ends++;
      at_end[at] = true;
      continue;
    }
    if (m->err) continue;
    got[at]++;
  }
  rd_kafka_consumer_close(consumer.get());
  int64_t missing = 0, duplicates = 0;
  for (size_t i = 0; i < written.size(); ++i) {
    missing += std::max<int64_t>(0, written[i] - got[i]);
    duplicates += std::max<int64_t>(0, got[i] - written[i]);
  }
  if (ends < written.size()) {
    return "void: " + std::to_string(written.size() - ends) + " partitions not read to the end";
  }
  if (missing > 0) return "void: " + std::to_string(missing) + " missing";
  return "complete, " + std::to_string(duplicates) + " dup";
}

CopyRow copy_run(const Options& o, const std::string& mode, int topic_count, int partitions,
                 int index) {
  CopyRow row;
  row.mode = mode;
  row.topics = topic_count;
  row.partitions = partitions;
  const std::string prefix = "scale-" + std::to_string(getpid()) + "-" + std::to_string(index);
  const auto topics = topic_names(prefix, topic_count);
  create_topics(o, topics, partitions);
  const auto writing = Clock::now();
  const auto written = write_backlog(o, topics, partitions, o.records, o.size);
  row.writer_per_s = static_cast<double>(o.records) / seconds_since(writing);
  {
    Sidecar sidecar(o, std::to_string(index) + "-" + mode, prefix + "-.*",
                    "no-group-" + std::to_string(getpid()), mode == "duplex-eos");
    Clock::time_point first_at;
    double copied = 0, cpu_at_first = 0, first = -1;
    const auto deadline = Clock::now() + std::chrono::seconds(o.copy_timeout_s);
    while (copied < static_cast<double>(o.records) && Clock::now() < deadline &&
           sidecar.running()) {
      const auto usage = duplex::bench::usage_of(sidecar.pid());
      row.peak_threads = std::max(row.peak_threads, usage.threads);
      const std::string m = sidecar.metrics();
      // The backlog's copies: heartbeats are copied too.
      copied = duplex::metrics::sum_samples(m, "duplex_records_copied_total") -
               duplex::metrics::sum_samples(m, "duplex_records_copied_total",
                                            {{"topic", "duplex.heartbeats"}});
      if (first < 0 && copied > 0) {
        first = copied;
        first_at = Clock::now();
        cpu_at_first = usage.cpu_s;
      }
      std::this_thread::sleep_for(50ms);
    }
    const auto usage = duplex::bench::usage_of(sidecar.pid());
    row.peak_threads = std::max(row.peak_threads, usage.threads);
    row.rss_mib = usage.rss_mib;
    if (copied < static_cast<double>(o.records)) {
      row.verdict = "void: copied " + fixed(copied, 0) + " of " + std::to_string(o.records) +
                    " in " + std::to_string(o.copy_timeout_s) + " s (log: " + sidecar.log() + ")";
    } else if (first >= copied) {
      row.verdict = "too small to time";
    } else {
      const double seconds = seconds_since(first_at);
      row.records_per_s = (copied - first) / seconds;
      row.mb_per_s = row.records_per_s * o.size / 1e6;
      row.cpu_s_per_gb = (usage.cpu_s - cpu_at_first) / ((copied - first) * o.size / 1e9);
    }
  }
  if (row.verdict.empty()) row.verdict = verify(o, topics, partitions, written);
  delete_topics(o, topics);
  return row;
}

// Commits offsets for every group on east with AlterConsumerGroupOffsets, all requests in
// flight at once (one group per request: librdkafka 2.0.2's limit).
void commit_groups(const Options& o, const std::vector<std::string>& groups,
                   const std::string& topic, int partitions, int64_t per_partition) {
  auto admin = client(o.east, RD_KAFKA_PRODUCER);
  duplex::kafka::QueuePtr queue(rd_kafka_queue_new(admin.get()));
  auto options =
      duplex::kafka::admin_options(admin.get(), RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, 60s);
  for (size_t g = 0; g < groups.size(); ++g) {
    duplex::kafka::PartitionListPtr offsets(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), p)->offset =
          static_cast<int64_t>(g * 13 + p) % (per_partition + 1);
    }
    rd_kafka_AlterConsumerGroupOffsets_t* request =
        rd_kafka_AlterConsumerGroupOffsets_new(groups[g].c_str(), offsets.get());
    rd_kafka_AlterConsumerGroupOffsets(admin.get(), &request, 1, options.get(), queue.get());
    rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  }
  for (size_t answered = 0; answered < groups.size(); ++answered) {
    auto event = duplex::kafka::await_admin(queue.get(), 60s, "east", "committing group offsets");
    if (auto* e = std::get_if<duplex::kafka::KafkaError>(&event)) {
      throw std::runtime_error(e->message());
    }
    const auto* result = rd_kafka_event_AlterConsumerGroupOffsets_result(
        std::get<duplex::kafka::EventPtr>(event).get());
    size_t count = 0;
    const auto** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &count);
    for (size_t i = 0; i < count; ++i) {
      const char* group = rd_kafka_group_result_name(results[i]);
      if (const auto* err = rd_kafka_group_result_error(results[i])) {
        throw std::runtime_error(std::string("committing group ") + group + ": " +
                                 rd_kafka_error_string(err));
      }
      const auto* list = rd_kafka_group_result_partitions(results[i]);
      for (int p = 0; list && p < list->cnt; ++p) {
        if (list->elems[p].err) {
          throw std::runtime_error(std::string("committing group ") + group + ": " +
                                   rd_kafka_err2str(list->elems[p].err));
        }
      }
    }
  }
}

GroupRow groups_run(const Options& o, int group_count, int index) {
  GroupRow row;
  row.groups = group_count;
  constexpr int kPartitions = 8;
  constexpr int64_t kRecords = 8000;
  const std::string prefix = "scale-" + std::to_string(getpid()) + "-g" + std::to_string(index);
  const std::vector<std::string> topics = {prefix};
  create_topics(o, topics, kPartitions);
  write_backlog(o, topics, kPartitions, kRecords, 100);
  std::vector<std::string> groups;
  for (int g = 0; g < group_count; ++g) groups.push_back(prefix + "-" + std::to_string(g));
  commit_groups(o, groups, prefix, kPartitions, kRecords / kPartitions);
  std::string config;
  {
    Sidecar sidecar(o, std::to_string(index) + "-groups", prefix, prefix + "-.*", false);
    config = sidecar.config();
    // Every group has a checkpoint (the copy done, its round complete); then whole rounds.
    const auto deadline = Clock::now() + std::chrono::seconds(o.copy_timeout_s);
    double count0 = -1, sum0 = 0;
    std::string m;
    while (Clock::now() < deadline && sidecar.running()) {
      std::this_thread::sleep_for(200ms);
      m = sidecar.metrics();
      row.checkpointed = duplex::metrics::count_samples(m, "duplex_checkpoint_age_seconds");
      if (row.checkpointed < group_count) continue;
      const double count = duplex::metrics::sum_samples(m, "duplex_checkpoint_round_seconds_count");
      const double sum = duplex::metrics::sum_samples(m, "duplex_checkpoint_round_seconds_sum");
      if (count0 < 0) {
        count0 = count;
        sum0 = sum;
      } else if (count >= count0 + 2) {
        row.rounds = static_cast<int>(count - count0);
        row.round_s = (sum - sum0) / (count - count0);
        break;
      }
    }
    if (row.round_s < 0) {
      std::cerr << "duplex_scale_bench: " << group_count << " groups: " << row.checkpointed
                << " checkpointed, not two whole rounds after it in " << o.copy_timeout_s
                << " s (log: " << sidecar.log() << ")\n";
    }
  }
  if (group_count <= o.failover_max && row.checkpointed == group_count) {
    const auto start = Clock::now();
    auto out = duplex::testing::run_command(o.binary + " failover --config " + config +
                                            " --from east --group-regex '" + prefix +
                                            "-.*' --output json");
    row.failover_s = seconds_since(start);
    size_t moves = 0;
    for (size_t at = out.output.find("\"group\":"); at != std::string::npos;
         at = out.output.find("\"group\":", at + 1)) {
      moves++;
    }
    row.failover = out.exit_code == 0 ? std::to_string(moves) + " partitions moved"
                                      : "failed (exit " + std::to_string(out.exit_code) +
                                            "): " + out.output.substr(0, out.output.find('\n'));
  }
  delete_topics(o, topics);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string layouts, modes, groups;
  po::options_description desc("Usage: duplex_scale_bench [options]\nOptions");
  desc.add_options()("help", "this text")(
      "layouts", po::value<std::string>(&layouts)->default_value("1x8,8x16,64x16"),
      "topics x partitions per topic, comma-separated (the first is the reference); \"\": none")(
      "modes", po::value<std::string>(&modes)->default_value("duplex,duplex-eos"),
      "duplex (at-least-once), duplex-eos (exactly-once)")(
      "records", po::value<int64_t>(&o.records)->default_value(3000000),
      "records per copy, spread evenly over every partition")(
      "size", po::value<int>(&o.size)->default_value(100), "record size in bytes")(
      "groups", po::value<std::string>(&groups)->default_value("10,100,1000"),
      "consumer group counts to checkpoint, comma-separated; \"\": none")(
      "failover-max", po::value<int>(&o.failover_max)->default_value(100),
      "time `duplex failover` for group counts up to this")(
      "checkpoint-interval", po::value<std::string>(&o.checkpoint_interval)->default_value("5s"),
      "the sidecars' checkpoint.interval (5s: duplex's default)")(
      "timeout", po::value<int>(&o.copy_timeout_s)->default_value(300),
      "seconds a copy (or the checkpoint rounds) may take before the row is void")(
      "duplex", po::value<std::string>(&o.binary)->default_value(DUPLEX_BINARY), "duplex binary")(
      "east", po::value<std::string>(&o.east)->default_value("127.0.0.1:19092"), "east bootstrap")(
      "west", po::value<std::string>(&o.west)->default_value("127.0.0.1:29092"), "west bootstrap");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    for (const auto& l : parse_list<std::string>(layouts)) {
      const auto x = l.find('x');
      if (x == std::string::npos) throw std::invalid_argument("layout '" + l + "' is not TxP");
      o.layouts.emplace_back(std::stoi(l.substr(0, x)), std::stoi(l.substr(x + 1)));
    }
    o.modes = parse_list<std::string>(modes);
    for (const auto& m : o.modes) {
      if (m != "duplex" && m != "duplex-eos") throw std::invalid_argument("mode '" + m + "'");
    }
    o.groups = parse_list<int>(groups);
  } catch (const std::exception& e) {
    std::cerr << "duplex_scale_bench: " << e.what() << "\n" << desc;
    return 2;
  }
  o.work_dir =
      (std::filesystem::temp_directory_path() / ("duplex-scale-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(o.work_dir);

  std::vector<CopyRow> copies;
  std::vector<GroupRow> rounds;
  int index = 0;
  try {
    for (const auto& mode : o.modes) {
      for (const auto& [topics, partitions] : o.layouts) {
        std::cerr << "duplex_scale_bench: " << mode << ": " << o.records << " x " << o.size
                  << " B over " << topics << " x " << partitions << " partitions\n";
        copies.push_back(copy_run(o, mode, topics, partitions, index++));
        std::cerr << "duplex_scale_bench:   " << fixed(copies.back().records_per_s, 0)
                  << " records/s, " << copies.back().peak_threads << " threads, "
                  << copies.back().verdict << "\n";
      }
    }
    for (int g : o.groups) {
      std::cerr << "duplex_scale_bench: checkpoints of " << g << " groups\n";
      rounds.push_back(groups_run(o, g, index++));
    }
  } catch (const std::exception& e) {
    std::cerr << "duplex_scale_bench: " << e.what() << "\n";
    return 1;
  }

  bool complete = true;
  if (!copies.empty()) {
    std::cout << "\n### Copy at scale (" << o.records << " records of " << o.size
              << " B per row)\n\n| mode | topics x partitions | partitions | records/s | vs "
                 "first layout | MB/s | CPU s/GB | peak RSS MiB | peak threads | writer "
                 "records/s | copy |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : copies) {
      const auto reference = std::find_if(copies.begin(), copies.end(),
                                          [&](const CopyRow& c) { return c.mode == r.mode; });
      const bool both = r.records_per_s > 0 && reference->records_per_s > 0;
      std::cout << "| " << r.mode << " | " << r.topics << " x " << r.partitions << " | "
                << r.topics * r.partitions << " | " << fixed(r.records_per_s, 0) << " | "
                << (both ? fixed(r.records_per_s / reference->records_per_s, 2) : "-") << " | "
                << fixed(r.mb_per_s, 1) << " | " << fixed(r.cpu_s_per_gb, 1) << " | "
                << fixed(r.rss_mib, 0) << " | " << r.peak_threads << " | "
                << fixed(r.writer_per_s, 0) << " | " << r.verdict << " |\n";
      complete = complete && r.verdict.rfind("complete", 0) == 0;
    }
  }
  if (!rounds.empty()) {
    std::cout << "\n### Checkpoint rounds and failover (8 partitions per group)\n\n| groups | "
                 "groups checkpointed | round s | rounds timed | failover s | failover "
                 "|\n|---|---|---|---|---|---|\n";
    for (const auto& r : rounds) {
      std::cout << "| " << r.groups << " | " << r.checkpointed << " | " << fixed(r.round_s, 2)
                << " | " << r.rounds << " | " << fixed(r.failover_s, 2) << " | "
                << (r.failover.empty() ? "-" : r.failover) << " |\n";
      complete = complete && r.round_s >= 0 &&
                 (r.groups > o.failover_max || r.failover.find("moved") != std::string::npos);
    }
  }
  std::cout << "\nlogs and configs: " << o.work_dir << "\n";
  return complete ? 0 : 1;
}
