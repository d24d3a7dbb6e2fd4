// Faults under steady traffic, on real brokers: the target broker away for 30 s, the source
// broker restarted, the link between the sidecar and the source cut and healed. In each, the
// sidecar keeps running, resumes on its own, and the target ends with every record.
#include <fstream>
#include <iostream>

#include "metrics/exposition.h"
#include "metrics/http_get.h"
#include "tests/support/steady_writer.h"
#include "tests/support/two_regions.h"
#include "tools/link_proxy/link_proxy.h"

namespace duplex::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A field of /proc/<pid>/status in KiB (VmRSS: now, VmHWM: the peak so far); -1 when absent.
long status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

class FaultsKafka : public TwoRegions {
 protected:
  static constexpr int kPartitions = 4;

  // The west sidecar's copied-records counter for `topic`; -1 while its endpoint does not answer.
  double copied(const std::string& topic) {
    try {
      std::string m = metrics::body_of(metrics::http_get(metrics_port("west"), "/metrics"));
      return metrics::sum_samples(m, "duplex_records_copied_total", {{"topic", topic}});
    } catch (const std::exception&) {
      return -1;
    }
  }

  // Seconds until the counter passes `from` (it moves again), or -1 within `limit`.
  double time_to_move(const std::string& topic, double from, std::chrono::seconds limit) {
    auto start = Clock::now();
    if (!wait_until([&] { return copied(topic) > from; }, limit)) return -1;
    return seconds_since(start);
  }

  void cut_and_heal_the_link(const std::string& extra, size_t& duplicates);

  // A 4-partition topic on east, the west sidecar (its config plus `extra`) copying it, and
  // `per_second` records of `value_bytes` coming; returns once the copy has started.
  std::unique_ptr<SteadyWriter> start_copying(const std::string& topic, int per_second,
                                              size_t value_bytes, std::unique_ptr<Process>& sidecar,
                                              const std::string& extra = "") {
    Cluster(kEast).create_topic(topic, kPartitions);
    sidecar = start_sidecar("west", "east", "", extra);
    auto writer =
        std::make_unique<SteadyWriter>(kEast, topic, "east", kPartitions, per_second, value_bytes);
    EXPECT_TRUE(wait_until([&] { return copied(topic) >= per_second; }, 60s)) << log_of(*sidecar);
    return writer;
  }

  // Once the fault is over (the broker answers, the link is healed): measures the seconds until
  // the copy counter moves again (expected within 10 s), has 2,000 more records written, stops
  // the writer and waits until everything it wrote is copied. Returns what it wrote.
  int resume_and_drain(SteadyWriter& writer, const std::string& topic, const Process& sidecar,
                       double& resumed) {
    resumed = time_to_move(topic, copied(topic), 60s);
    EXPECT_GE(resumed, 0) << "copying did not resume within 60 s\n" << log_of(sidecar);
    EXPECT_LE(resumed, 10.0) << log_of(sidecar);
    RecordProperty("resume_ms", static_cast<int>(resumed * 1000));
    const int after = writer.written() + 2000;
    EXPECT_TRUE(wait_until([&] { return writer.written() >= after; }, 30s)) << writer.error();
    const int written = writer.stop();
    EXPECT_TRUE(writer.error().empty()) << writer.error();
    EXPECT_TRUE(wait_until([&] { return copied(topic) >= written; }, 120s))
        << "copied " << copied(topic) << " of " << written << "\n"
        << log_of(sidecar);
    return written;
  }

  // Everything the writer wrote is on west once, read_committed by an independent consumer;
  // prints and returns the duplicates (at least once may copy again after a lost commit).
  size_t expect_all_arrived(const std::string& topic, int written, const Process& sidecar) {
    auto got = read_all(kWest, topic, written, 120s);
    auto [missing, duplicates] = missing_and_duplicate_ids(SteadyWriter::ids("east", written), got);
    EXPECT_EQ(missing, 0u) << "of " << written << " written, read " << got.size() << "\n"
                           << log_of(sidecar);
    std::cout << "records written " << written << ", read on west " << got.size() << ", missing "
              << missing << ", duplicates " << duplicates << "\n";
    return duplicates;
  }
};

// The target away for 30 s while 10 MB/s keep coming: the flow stops taking records once its
// in-flight budget is full and pauses the fetch, so memory stays bounded; the producer never
// times a record out (message.timeout.ms=0), so all of it is copied once the target is back.
TEST_F(FaultsKafka, TargetDownThirtySecondsUnderSteadyTraffic) {
  const std::string topic = prefix_ + ".orders";
  // 1 KiB records, 10,000 a second: 30 s of outage is 240-300 MB, more than the bounds below,
  // so a sidecar that kept fetching would cross them.
  std::unique_ptr<Process> sidecar;
  auto writer = start_copying(topic, 10000, 1000, sidecar);
  ASSERT_FALSE(HasFailure());
  const long peak_before = status_kib(sidecar->pid(), "VmHWM");
  Brokers brokers;
  brokers.stop("west");
  const auto down = Clock::now();
  const int written_at_stop = writer->written();
  // Deliberate: the outage lasts 30 s. Halfway, the flow's budgets must be full already; from
  // then on the resident set stays flat although 150 MB more arrive on the source.
  std::this_thread::sleep_until(down + 15s);
  const long rss_mid = status_kib(sidecar->pid(), "VmRSS");
  std::this_thread::sleep_until(down + 30s);
  const long rss_end = status_kib(sidecar->pid(), "VmRSS");
  const int written_in_outage = writer->written() - written_at_stop;
  const long peak_in_outage = status_kib(sidecar->pid(), "VmHWM");
  ASSERT_TRUE(sidecar->running()) << log_of(*sidecar);

  const auto start = Clock::now();
  brokers.start("west");  // returns once the broker answers metadata requests
  const double start_took = seconds_since(start);
  double resumed = -1;
  const int written = resume_and_drain(*writer, topic, *sidecar, resumed);
  const long peak = status_kib(sidecar->pid(), "VmHWM");
  std::cout << "outage: " << written_in_outage << " records (" << written_in_outage / 1000
            << " MB) written while the target was down; sidecar RSS " << rss_mid / 1024
            << " MiB after 15 s, " << rss_end / 1024 << " MiB after 30 s; peak RSS (VmHWM) "
            << peak_before / 1024 << " MiB before the outage, " << peak_in_outage / 1024
            << " MiB at its end, " << peak / 1024
            << " MiB over the whole test (catching up); broker start took " << start_took
            << " s, copying resumed " << resumed << " s after the broker answered\n";
  RecordProperty("peak_rss_mib", static_cast<int>(peak / 1024));
  RecordProperty("peak_rss_in_outage_mib", static_cast<int>(peak_in_outage / 1024));

  // The bounds, from the memory budget in docs/operations.md: the flow holds at most its
  // in-flight budget (64 MiB of unacknowledged records) and librdkafka's fetch queue
  // (queued.max.messages.kbytes, 64 MiB). Through the outage that is all it may hold, plus the
  // process itself (40-52 MiB measured before the outage) and librdkafka's bookkeeping per record:
  // 192 MiB, while 240-300 MB arrive on the source. Catching up afterwards is a copy at full speed,
  // which also fills the producer's batches; docs/operations.md plans a 256 MiB request per
  // process for that (and a 1 GiB limit): measured 164-271 MiB here, so the bound is that
  // request plus a quarter for the allocator's slack.
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak_in_outage, 192 * 1024) << "peak RSS " << peak_in_outage / 1024 << " MiB";
  EXPECT_LT(peak, 320 * 1024) << "peak RSS " << peak / 1024 << " MiB";
  // Fetching stopped: the second half of the outage added no more than noise.
  EXPECT_LT(rss_end - rss_mid, 32 * 1024) << rss_mid / 1024 << " -> " << rss_end / 1024 << " MiB";

  EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
  expect_all_arrived(topic, written, *sidecar);
}

// The source broker stopped (SIGTERM) and started again under traffic: the sidecar reconnects,
// its group member rejoins, and it copies on from its commits.
TEST_F(FaultsKafka, SourceRestartedUnderTraffic) {
  const std::string topic = prefix_ + ".orders";
  std::unique_ptr<Process> sidecar;
  auto writer = start_copying(topic, 2000, 200, sidecar);
  ASSERT_FALSE(HasFailure());

  Brokers brokers;
  brokers.stop("east");
  const auto start = Clock::now();
  brokers.start("east");  // the writer's batch in flight waits for it (60 s message timeout)
  const double restart_took = seconds_since(start);
  ASSERT_TRUE(sidecar->running()) << log_of(*sidecar);
  double resumed = -1;
  const int written = resume_and_drain(*writer, topic, *sidecar, resumed);
  std::cout << "source restart took " << restart_took << " s; copying resumed " << resumed
            << " s after the broker answered\n";

  EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
  expect_all_arrived(topic, written, *sidecar);
}

// Every byte between the sidecar and the source crosses the project's proxy (east's LINK
// listener advertises the proxy's address). The link is cut for 15 s, longer than the source
// session (8 s here), while records keep coming on east directly; healed, the sidecar
// reconnects, rejoins its group and copies everything; it never exits.
void FaultsKafka::cut_and_heal_the_link(const std::string& extra, size_t& duplicates) {
  const std::string topic = prefix_ + ".orders";
  link_proxy::LinkProxy proxy(link_proxy::parse_endpoint(kEastLink),
                              link_proxy::parse_endpoint(kEastLinkListener));
  bootstrap_["east"] = kEastLink;
  std::unique_ptr<Process> sidecar;
  auto writer = start_copying(topic, 2000, 200, sidecar, extra);
  ASSERT_FALSE(HasFailure());
  // Every copied byte came through the proxy: the source's broker address is the proxy's.
  EXPECT_GE(proxy.bytes_down(), 2000u * 200u);

  proxy.cut();
  const auto cut = Clock::now();
  const double copied_at_cut = copied(topic);
  const int written_at_cut = writer->written();
  // Deliberate: the link stays down for 15 s while records are written on east directly.
  std::this_thread::sleep_until(cut + 15s);
  const double copied_in_cut = copied(topic) - copied_at_cut;
  const int written_in_cut = writer->written() - written_at_cut;
  ASSERT_TRUE(sidecar->running()) << log_of(*sidecar);
  const uint64_t accepted_before_heal = proxy.accepted();

  proxy.heal();
  double resumed = -1;
  const int written = resume_and_drain(*writer, topic, *sidecar, resumed);
  std::cout << "link cut 15 s: " << written_in_cut << " records written, " << copied_in_cut
            << " copied meanwhile; copying resumed " << resumed << " s after the heal, over "
            << proxy.accepted() - accepted_before_heal << " new connections through the proxy\n";
  EXPECT_GT(proxy.accepted(), accepted_before_heal);
  EXPECT_TRUE(sidecar->running()) << log_of(*sidecar);

  EXPECT_EQ(sidecar->terminate(), 0) << log_of(*sidecar);
  duplicates = expect_all_arrived(topic, written, *sidecar);
}

// At least once: the copies acknowledged after the last commit that reached the source are
// copied again after the rejoin (counted, not asserted).
TEST_F(FaultsKafka, LinkToTheSourceCutAndHealed) {
  size_t duplicates = 0;
  cut_and_heal_the_link("", duplicates);
}

// Exactly once: the worker that rejoins fences its own earlier producers and reads the progress
// stored on the target, so nothing is copied twice.
TEST_F(FaultsKafka, LinkToTheSourceCutAndHealedExactlyOnce) {
  size_t duplicates = 1;
  cut_and_heal_the_link("delivery: exactly-once\n", duplicates);
  EXPECT_EQ(duplicates, 0u);
}

}  // namespace
}  // namespace duplex::testing
