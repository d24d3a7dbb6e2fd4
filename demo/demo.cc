#include "demo/demo.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iomanip>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "demo/app_consumer.h"
#include "demo/order_reader.h"
#include "demo/order_writer.h"
#include "kafka/mock_cluster.h"
#include "metrics/exposition.h"
#include "offsets/failover.h"
#include "replicator/sidecar.h"

namespace duplex::demo {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 4;
constexpr const char* kTopic = "orders";
constexpr const char* kAppGroup = "orders-app";  // the application whose group fails over

// One region: its cluster, its writer's progress, and the sidecar that pulls into it.
struct Region {
  Region(std::string n, std::string o) : name(std::move(n)), other(std::move(o)) {}
  std::string name;
  std::string other;
  kafka::MockCluster cluster;
  std::atomic<int> written{0};  // orders the region's cluster acknowledged
  std::string write_error;      // why its writer stopped early; set by the writer's thread
  metrics::ReplicationMetrics metrics{"demo"};
  std::unique_ptr<replicator::Sidecar> sidecar;
  std::thread sidecar_thread;
  int sidecar_exit = -1;
};

config::Config sidecar_config(const Region& home, const Region& source) {
  config::Config c;
  c.region = home.name;
  c.clusters[home.name] = {{"bootstrap.servers", home.cluster.bootstrap()}};
  c.clusters[source.name] = {{"bootstrap.servers", source.cluster.bootstrap()}};
  config::Flow flow;
  flow.source = source.name;
  flow.topics.refresh = 1s;
  c.flows.push_back(flow);
  c.checkpoint_interval = 1s;
  return c;
}

// Writes `rate` orders a second in one-second batches until `stop`: "<region>-order-<i>". A
// failure stops it, kept in region.write_error.
void write_orders(Region& region, int rate, const std::atomic<bool>& stop) {
  try {
    OrderWriter writer(region.name, region.cluster.bootstrap(), kTopic, kPartitions, stop);
    auto next = std::chrono::steady_clock::now();
    while (!stop) {
      if (auto err = writer.write(region.written, rate)) {
        region.write_error = err.message();
        return;
      }
      region.written += rate;
      next += 1s;
      std::this_thread::sleep_until(next);
    }
  } catch (const std::exception& e) {
    region.write_error = e.what();
  }
}

struct FlowView {
  double copied = 0, lag = 0, loops = 0, p99_ms = -1;
};

FlowView view_of(const Region& home) {
  const std::string text = home.metrics.serialize();
  const metrics::Labels flow = {{"flow", home.other + "->" + home.name}};
  metrics::Labels orders = flow;
  orders["topic"] = kTopic;
  FlowView v;
  v.copied = metrics::sum_samples(text, "duplex_records_copied_total", orders);
  v.lag = metrics::sum_samples(text, "duplex_lag_records", orders);
  v.loops = metrics::sum_samples(text, "duplex_records_skipped_total",
                                 {{"flow", flow.at("flow")}, {"reason", "loop"}});
  double p99 = metrics::histogram_quantile(text, "duplex_replication_latency_seconds", 0.99, flow);
  v.p99_ms = p99 < 0 ? -1 : p99 * 1000;
  return v;
}

// What one region holds after the run, checked against what both regions wrote.
bool check_region(const Region& region, int own, int other, std::ostream& out) {
  auto read = read_orders(region.name, region.cluster.bootstrap(), kTopic);
  if (auto* e = std::get_if<kafka::KafkaError>(&read)) {
    out << "  " << region.name << ": reading FAILED: " << e->message() << "\n";
    return false;
  }
  const auto& records = std::get<std::vector<StoredOrder>>(read);
  std::set<std::string> ids;
  int local = 0, copied = 0, wrong_origin = 0;
  for (const auto& r : records) {
    ids.insert(r.id);
    const auto& origin = r.origin;
    bool written_here = r.id.rfind(region.name + "-", 0) == 0;
    if (written_here && !origin) {
      local++;
    } else if (!written_here && origin == region.other) {
      copied++;
    } else {
      wrong_origin++;
    }
  }
  int expected = own + other;
  int duplicates = static_cast<int>(records.size() - ids.size());
  int missing = expected - static_cast<int>(ids.size());
  out << "  " << std::left << std::setw(6) << region.name << std::right << std::setw(10)
      << records.size() << std::setw(14) << local << std::setw(12) << copied << std::setw(12)
      << duplicates << std::setw(9) << missing << std::setw(14) << wrong_origin << "\n";
  return records.size() == static_cast<size_t>(expected) && local == own && copied == other &&
         duplicates == 0 && missing == 0 && wrong_origin == 0;
}

// The application in east: reads east's orders (both regions') a little slower than they
// arrive, committing as it goes, until `stop`. Returns what it read; a failure stops it, kept
// in `error`.
std::set<std::string> run_app(const Region& east, int rate, const std::atomic<bool>& stop,
                              std::string& error) {
  std::set<std::string> read;
  try {
    AppConsumer app(east.name, east.cluster.bootstrap(), kAppGroup, kTopic);
    while (!stop) {
      for (auto& id : app.read(static_cast<size_t>(rate) / 2, 2s, 300ms)) read.insert(id);
      std::this_thread::sleep_for(300ms);
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  return read;
}

// The application's committed offsets on east as west's newest checkpoints have them (summed).
int64_t checkpointed(const Region& west, const Region& east) {
  offsets::Failover failover(sidecar_config(west, east), "east", 5s);
  if (failover.read_checkpoints()) return -1;
  int64_t sum = 0;
  for (const auto& [key, c] : failover.checkpoints()) sum += c.group == kAppGroup ? c.upstream : 0;
  return sum;
}

// Region loss and failover: east goes down; the application's group moves to west with only
// west's cluster, and the application continues there. True when it missed nothing and
// re-read exactly what failover reported.
bool fail_over(Region& east, Region& west, const std::set<std::string>& read_in_east,
               std::ostream& out) {
  out << "\nregion east lost (its broker stops answering); moving group '" << kAppGroup
      << "' to west:\n";
  spdlog::set_level(spdlog::level::off);  // the clients' complaints about east are expected
  east.cluster.set_down();
  config::Config west_config = sidecar_config(west, east);
  offsets::Failover failover(west_config, "east");
  if (auto err = failover.read_checkpoints()) {
    out << "  failover FAILED: " << err.message() << "\n";
    return false;
  }
  // The demo stopped its application itself; the mock has no ListGroups to check members.
  auto result = failover.plan({kAppGroup}, std::nullopt, false);
  if (auto* e = std::get_if<kafka::KafkaError>(&result)) {
    out << "  failover FAILED: " << e->message() << "\n";
    return false;
  }
  const auto& plan = std::get<offsets::FailoverPlan>(result);
  int64_t reported = 0;
  out << "  partition   east offset   west offset   re-reads   checkpoint age s\n";
  for (const auto& m : plan.moves) {
    reported += m.rereads;
    out << "  " << std::setw(9) << m.checkpoint.partition << std::setw(14) << m.checkpoint.upstream
        << std::setw(14) << m.checkpoint.target << std::setw(11) << m.rereads << std::setw(19)
        << std::fixed << std::setprecision(1) << m.checkpoint_age_s << "\n";
  }
  if (!plan.unknown.empty() || plan.moves.empty()) {
    out << "  failover FAILED: no checkpoint for the group\n";
    return false;
  }
  if (auto err = failover.apply(plan)) {
    out << "  failover FAILED: " << err.message() << "\n";
    return false;
  }
  std::vector<std::string> in_west;
  try {
    in_west = AppConsumer(west.name, west.cluster.bootstrap(), kAppGroup, kTopic)
                  .read(static_cast<size_t>(east.written + west.written), 30s, 3s);
  } catch (const std::exception& e) {
    out << "  the application in west FAILED: " << e.what() << "\n";
    return false;
  }
  auto all = read_orders(west.name, west.cluster.bootstrap(), kTopic);
  if (auto* e = std::get_if<kafka::KafkaError>(&all)) {
    out << "  reading west FAILED: " << e->message() << "\n";
    return false;
  }
  std::set<std::string> read_in_west;
  int64_t rereads = 0;
  for (const auto& id : in_west) {
    read_in_west.insert(id);
    rereads += read_in_east.count(id);
  }
  int missing = 0;
  for (const auto& r : std::get<std::vector<StoredOrder>>(all)) {
    missing += !read_in_east.count(r.id) && !read_in_west.count(r.id);
  }
  out << "  the application read " << read_in_east.size() << " orders in east, then "
      << in_west.size() << " in west: missing " << missing << ", re-read " << rereads
      << " (failover reported " << reported << ")\n";
  return missing == 0 && rereads == reported;
}

}  // namespace

int run_demo(const DemoOptions& options, std::ostream& out) {
  spdlog::set_level(spdlog::level::warn);  // the view below is the output
  const bool tty = isatty(fileno(stdout));
  Region east("east", "west"), west("west", "east");
  for (Region* r : {&east, &west}) {
    r->cluster.create_topic(kTopic, kPartitions);
  }
  east.cluster.create_duplex_topics({"west"});
  west.cluster.create_duplex_topics({"east"});
  out << "duplex demo: two in-process Kafka regions, east and west (librdkafka mock clusters)\n"
      << "  topic '" << kTopic << "' (" << kPartitions << " partitions) written in both regions, "
      << options.rate << " orders/s each, for " << options.duration.count() << " s\n"
      << "  sidecars: east->west and west->east, loop-free by the duplex.origin header\n"
      << "  p99 ms: from an order's timestamp to its copy's acknowledgement in the other\n"
      << "  region, which includes the mock cluster's fetch wait (it answers up to 500 ms\n"
      << "  late; a real broker answers when records arrive): for duplex's own latency on\n"
      << "  real Kafka see BENCHMARKS.md\n\n";

  std::atomic<bool> stop_sidecars{false}, stop_writers{false};
  replicator::FlowOptions flow_options;
  flow_options.lag_interval = 500ms;
  flow_options.commit_interval = 500ms;
  flow_options.checkpoint_groups = {kAppGroup};  // the mock clusters have no ListGroups
  flow_options.limits_timeout = 100ms;           // nor DescribeConfigs: do not wait for it
  for (auto [home, source] : {std::pair{&west, &east}, std::pair{&east, &west}}) {
    home->sidecar = std::make_unique<replicator::Sidecar>(
        sidecar_config(*home, *source), stop_sidecars, home->metrics, flow_options);
    home->sidecar_thread = std::thread([h = home] { h->sidecar_exit = h->sidecar->run(); });
  }
  // Traffic starts once both sidecars hold their partitions (the group's first join takes a
  // few seconds), so the latencies shown are replication's, not start-up's.
  for (int i = 0; i < 300 && !(east.sidecar->ready().ok && west.sidecar->ready().ok); ++i) {
    std::this_thread::sleep_for(100ms);
  }
  std::thread east_writer([&] { write_orders(east, options.rate, stop_writers); });
  std::thread west_writer([&] { write_orders(west, options.rate, stop_writers); });
  std::atomic<bool> stop_app{false};
  std::set<std::string> read_in_east;
  std::string app_error;
  std::thread app([&] { read_in_east = run_app(east, options.rate, stop_app, app_error); });

  // Live view: one block a second, redrawn in place on a terminal.
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, double> last_copied;
  bool drawn = false;
  auto draw = [&](const char* phase) {
    if (tty && drawn) out << "\x1b[4A";
    int elapsed = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count());
    out << "  " << std::setw(3) << elapsed << " s  " << phase << "                    \n"
        << "  flow         written at source   copied   rate/s   lag   loops prevented   p99 ms\n";
    for (const Region* home : {&west, &east}) {
      const Region& source = home == &west ? east : west;
      FlowView v = view_of(*home);
      const std::string name = source.name + "->" + home->name;
      double rate = v.copied - last_copied[name];
      last_copied[name] = v.copied;
      out << "  " << std::left << std::setw(13) << name << std::right << std::setw(17)
          << source.written << std::setw(9) << static_cast<long>(v.copied) << std::setw(9)
          << static_cast<long>(rate) << std::setw(6) << static_cast<long>(v.lag) << std::setw(18)
          << static_cast<long>(v.loops) << std::setw(9);
      if (v.p99_ms < 0) {
        out << "-";
      } else {
        out << std::fixed << std::setprecision(1) << v.p99_ms;
      }
      out << "\n";
    }
    out.flush();
    drawn = true;
  };
  while (std::chrono::steady_clock::now() - start < options.duration) {
    std::this_thread::sleep_for(1s);
    draw("both regions writing");
  }
  stop_writers = true;
  east_writer.join();
  west_writer.join();

  // Catch up: every order copied to the other side (bounded wait).
  auto caught_up = [&] {
    FlowView to_west = view_of(west), to_east = view_of(east);
    return to_west.copied >= east.written && to_east.copied >= west.written && to_west.lag == 0 &&
           to_east.lag == 0;
  };
  for (int i = 0; i < 60 && !caught_up(); ++i) {
    std::this_thread::sleep_for(1s);
    draw("writers stopped, catching up");
  }
  draw("caught up");
  stop_app = true;
  app.join();
  bool ok = true;
  for (const Region* r : {&east, &west}) {
    if (!r->write_error.empty()) {
      out << "\nwriting orders in " << r->name << " FAILED: " << r->write_error << "\n";
      ok = false;
    }
  }
  if (!app_error.empty()) {
    out << "\nthe application in east FAILED: " << app_error << "\n";
    ok = false;
  }
  std::this_thread::sleep_for(3s);  // a loop would show up now as extra records; checkpoints

  out << "\nchecking both regions with an independent consumer:\n"
      << "  region     total   written here   copied in   duplicates  missing  wrong origin\n";
  ok = check_region(east, east.written, west.written, out) && ok;
  ok = check_region(west, west.written, east.written, out) && ok;
  // West's sidecar checkpoints the application's group while east is still there.
  for (int i = 0; i < 30 && checkpointed(west, east) != static_cast<int64_t>(read_in_east.size());
       ++i) {
    std::this_thread::sleep_for(1s);
  }
  stop_sidecars = true;
  for (Region* r : {&east, &west}) {
    r->sidecar_thread.join();
    r->sidecar.reset();  // its clients too: east is about to disappear
  }
  ok = ok && east.sidecar_exit == 0 && west.sidecar_exit == 0;
  ok = fail_over(east, west, read_in_east, out) && ok;
  long loops = static_cast<long>(view_of(east).loops + view_of(west).loops);
  out << "\n  orders written: east " << east.written << ", west " << west.written
      << "; copies made: " << static_cast<long>(view_of(west).copied) << " east->west, "
      << static_cast<long>(view_of(east).copied) << " west->east; loops prevented: " << loops
      << "\n\n"
      << (ok ? "demo passed: every order is in both regions exactly once, nothing looped, and "
               "the application moved to west missing nothing\n"
             : "demo FAILED: see the table above\n");
  return ok ? 0 : 1;
}

}  // namespace duplex::demo
