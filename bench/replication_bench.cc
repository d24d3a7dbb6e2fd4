// Throughput of duplex's delivery modes on the same data, against real local Kafka
// (scripts/kafka-local): for each mode, N records of S bytes are written to a fresh topic in
// east, then a west sidecar copies the backlog. Printed as a markdown table with each mode's
// ratio to at-least-once and to the broker's own produce rate (the ceiling on this machine).
// A run whose copy is incomplete or duplicated (exactly-once) is reported as void.
#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kafka/client_factory.h"
#include "kafka/record_io.h"
#include "kafka/topic_admin.h"
#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/process.h"

namespace po = boost::program_options;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string binary, east, west, work_dir;
  int64_t records = 0;
  int size = 0, partitions = 0;
  std::vector<std::string> modes;
};

struct Result {
  std::string mode;
  double produce_records_per_s = 0;  // the broker's own intake of the same bytes
  double copy_seconds = 0, records_per_s = 0, mb_per_s = 0;
  double cpu_seconds = 0, peak_rss_mib = 0;
  std::string verified;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Writes `count` records of `size` bytes (value: the id, padded) as fast as the broker takes
// them; returns records/s.
double produce(const Options& o, const std::string& topic) {
  auto conf = duplex::kafka::make_conf(
      "bench", {{"bootstrap.servers", o.east}},
      {{"enable.idempotence", "true"}, {"linger.ms", "20"}, {"batch.size", "1000000"}});
  auto producer = duplex::kafka::make_client("bench", RD_KAFKA_PRODUCER, std::move(conf));
  auto start = Clock::now();
  for (int64_t i = 0; i < o.records; ++i) {
    std::string value = "r-" + std::to_string(i) + " ";
    value.resize(std::max(value.size(), static_cast<size_t>(o.size)), 'x');
    for (;;) {
      auto err = rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                   RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % o.partitions)),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_END);
      if (!err) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        throw std::runtime_error(std::string("producing: ") + rd_kafka_err2str(err));
      }
      rd_kafka_poll(producer.get(), 10);
    }
  }
  if (rd_kafka_flush(producer.get(), 120000))
    throw std::runtime_error("producing: flush timed out");
  return static_cast<double>(o.records) / seconds_since(start);
}

// utime + stime (s) and peak RSS (MiB) of a running process, from /proc.
std::pair<double, double> usage_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  double rss_kib = 0;
  for (std::string l; std::getline(status, l);) {
    if (l.rfind("VmHWM:", 0) == 0) rss_kib = std::stod(l.substr(6));
  }
  return {(utime + stime) / ticks, rss_kib / 1024};
}

Result run_mode(const Options& o, const std::string& mode, int index) {
  Result r;
  r.mode = mode;
  const std::string topic = "bench-" + std::to_string(getpid()) + "-" + std::to_string(index);
  auto admin_client = duplex::kafka::make_client(
      "bench", RD_KAFKA_PRODUCER,
      duplex::kafka::make_conf("bench", {{"bootstrap.servers", o.east}}, {}));
  duplex::kafka::TopicAdmin admin(admin_client.get(), "east");
  if (auto err = admin.create_topic(topic, o.partitions, {}, 30s)) {
    throw std::runtime_error(err.message());
  }
  const int port = 29470;
  const std::string config = o.work_dir + "/" + mode + ".yaml";
  std::ofstream(config) << "region: west\nclusters:\n  east: { bootstrap.servers: \"" << o.east
                        << "\", session.timeout.ms: 60000 }\n  west: { bootstrap.servers: \""
                        << o.west << "\" }\nflows:\n  - source: east\n    topics: { include: [\""
                        << topic << "\"], refresh: 1s }\ndelivery: " << mode
                        << "\nmetrics: { listen: \"127.0.0.1:" << port << "\" }\n";
  duplex::testing::Process sidecar({o.binary, "run", "--config", config},
                                   o.work_dir + "/" + mode + ".log");
  auto metrics = [&] {
    return duplex::metrics::body_of(duplex::metrics::http_get(port, "/metrics"));
  };
  auto copied = [&] {
    return static_cast<int64_t>(
        duplex::metrics::sum_samples(metrics(), "duplex_records_copied_total", {{"topic", topic}}));
  };
  // Only the copy is timed: the sidecar joins its group and gets the (empty) partitions, is
  // frozen (SIGSTOP, well inside its session timeout) while the backlog is written, and the
  // clock starts when it is thawed.
  auto deadline = Clock::now() + 120s;
  while (metrics().find("duplex_lag_records{") == std::string::npos && sidecar.running() &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  sidecar.signal(SIGSTOP);
  r.produce_records_per_s = produce(o, topic);
  sidecar.signal(SIGCONT);
  const auto start = Clock::now();
  int64_t now = 0;
  deadline = Clock::now() + 600s;
  while ((now = copied()) < o.records && Clock::now() < deadline && sidecar.running()) {
    std::this_thread::sleep_for(10ms);
  }
  r.copy_seconds = seconds_since(start);
  auto [cpu, rss] = usage_of(sidecar.pid());
  r.cpu_seconds = cpu;
  r.peak_rss_mib = rss;
  sidecar.terminate();
  if (now < o.records) {
    r.verified = "void: copied " + std::to_string(now) + " of " + std::to_string(o.records);
    return r;
  }
  r.records_per_s = static_cast<double>(o.records) / r.copy_seconds;
  r.mb_per_s = r.records_per_s * o.size / 1e6;

  // A copy counts only if complete: every id on the target (read_committed), and exactly once
  // in exactly-once mode.
  auto got = duplex::kafka::read_all(o.west, topic, static_cast<size_t>(o.records), 120s, 1s);
  std::set<std::string> ids;
  for (const auto& record : got) {
    if (record.value) ids.insert(record.value->substr(0, record.value->find(' ')));
  }
  const int64_t missing = o.records - static_cast<int64_t>(ids.size());
  const int64_t duplicates = static_cast<int64_t>(got.size() - ids.size());
  if (missing != 0 || (mode == "exactly-once" && duplicates != 0)) {
    r.verified = "void: " + std::to_string(missing) + " missing, " + std::to_string(duplicates) +
                 " duplicates";
  } else {
    r.verified = "complete, " + std::to_string(duplicates) + " dup";
  }
  return r;
}

std::string fixed(double v, int precision) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << v;
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string modes;
  po::options_description desc("Usage: duplex_bench [options]\nOptions");
  desc.add_options()("help", "this text")(
      "records", po::value<int64_t>(&o.records)->default_value(1000000), "records per mode")(
      "size", po::value<int>(&o.size)->default_value(100), "record size in bytes")(
      "partitions", po::value<int>(&o.partitions)->default_value(8), "source partitions")(
      "modes", po::value<std::string>(&modes)->default_value("at-least-once,exactly-once"),
      "delivery modes, comma-separated; the first is the baseline")(
      "duplex", po::value<std::string>(&o.binary)->default_value(DUPLEX_BINARY), "duplex binary")(
      "east", po::value<std::string>(&o.east)->default_value("127.0.0.1:19092"), "east bootstrap")(
      "west", po::value<std::string>(&o.west)->default_value("127.0.0.1:29092"), "west bootstrap");
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
  std::istringstream list(modes);
  for (std::string m; std::getline(list, m, ',');) o.modes.push_back(m);
  o.work_dir =
      (std::filesystem::temp_directory_path() / ("duplex-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::create_directories(o.work_dir);

  std::vector<Result> results;
  try {
    for (size_t i = 0; i < o.modes.size(); ++i) {
      std::cerr << "duplex_bench: " << o.modes[i] << ": " << o.records << " x " << o.size
                << " B over " << o.partitions << " partitions\n";
      results.push_back(run_mode(o, o.modes[i], static_cast<int>(i)));
    }
  } catch (const std::exception& e) {
    std::cerr << "duplex_bench: " << e.what() << "\n";
    return 1;
  }

  const Result& base = results.front();
  // The ceiling: each mode's backlog was written by one producer; their mean intake.
  double ceiling = 0;
  for (const auto& r : results) ceiling += r.produce_records_per_s / results.size();
  std::cout << "\n| mode | records | size B | records/s | MB/s | CPU s/GB | peak RSS MiB | vs "
            << base.mode << " | vs ceiling | copy |\n|---|---|---|---|---|---|---|---|---|---|\n";
  bool complete = true;
  for (const auto& r : results) {
    const double gb = static_cast<double>(o.records) * o.size / 1e9;
    std::cout << "| " << r.mode << " | " << o.records << " | " << o.size << " | "
              << fixed(r.records_per_s, 0) << " | " << fixed(r.mb_per_s, 1) << " | "
              << fixed(r.cpu_seconds / gb, 1) << " | " << fixed(r.peak_rss_mib, 1) << " | "
              << fixed(base.records_per_s > 0 ? r.records_per_s / base.records_per_s : 0, 2)
              << " | " << fixed(r.records_per_s / ceiling, 2) << " | " << r.verified << " |\n";
    complete = complete && r.verified.rfind("complete", 0) == 0;
  }
  std::cout << "\nceiling: the broker took the same records from one producer at "
            << fixed(ceiling, 0) << " records/s (" << o.partitions
            << " partitions, acks=all, idempotent)\nlogs: " << o.work_dir << "\n";
  return complete ? 0 : 1;
}
