#include "replicator/sidecar.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace duplex::replicator {

namespace {

// What a stop may take beyond settling, committing and leaving the group: the checkpointer's
// request in flight, threads, destructors.
constexpr std::chrono::milliseconds kStopMargin{10000};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Sidecar::Sidecar(const config::Config& config, const std::atomic<bool>& stop,
                 metrics::ReplicationMetrics& metrics, FlowOptions options)
    : stop_(stop) {
  std::optional<FlowConflict> conflict;
  if (config.conflict.any_last_writer_wins()) {
    auto opened = conflict::KeyIndex::open(config.conflict.index.dir, config.conflict.index.memory);
    if (auto* error = std::get_if<conflict::IndexError>(&opened)) {
      throw std::runtime_error(error->message());
    }
    index_ = std::move(std::get<std::unique_ptr<conflict::KeyIndex>>(opened));
    ranks_ = std::make_unique<conflict::RegionRanks>(config.conflict.region_rank);
    home_log_ =
        std::make_unique<conflict::KafkaHomeLog>(config.region, config.home_cluster(), stop_flows_);
    conflict::HomeReader::Settings settings;
    settings.home = config.region;
    settings.conflict = config.conflict;
    for (const auto& flow : config.flows) {
      settings.refresh = std::min(settings.refresh, flow.topics.refresh);
    }
    reader_ = std::make_unique<conflict::HomeReader>(settings, *home_log_, *index_, metrics);
    conflict.emplace(FlowConflict{*ranks_, *index_, *reader_});
    spdlog::info("last-writer-wins: key index in {}", index_->dir());
  }
  for (const auto& flow : config.flows) {
    flows_.push_back(std::make_unique<Flow>(config, flow, stop_flows_, metrics, options, conflict));
    refresh_intervals_.push_back(flow.topics.refresh);
    if (options.checkpoints) {
      checkpointers_.push_back(std::make_unique<Checkpointer>(config, flow, stop_flows_, metrics,
                                                              options.checkpoint_groups));
    }
  }
  if (options.heartbeat_interval.count() > 0) {
    heartbeat_ = std::make_unique<Heartbeat>(config, options.heartbeat_interval);
  }
}

metrics::ProbeResult Sidecar::health() const {
  if (reader_) {
    if (auto failure = reader_->failure()) return {false, "conflict resolution: " + *failure};
  }
  for (const auto& flow : flows_) {
    int64_t last = flow->counters().last_loop_ms;
    if (last == 0 || now_ms() - last > 30000) {
      return {false, "flow " + flow->name() + ": copy loop has not turned for 30 s"};
    }
  }
  return {};
}

std::chrono::milliseconds Sidecar::stop_bound(const FlowOptions& options) {
  return options.flush_timeout + options.commit_timeout + options.close_timeout + kStopMargin;
}

std::string Sidecar::still_running() const {
  std::string out;
  auto add = [&](const std::string& what, const char* phase) {
    if (std::string_view(phase) == "stopped") return;
    out += (out.empty() ? "" : ", ") + what + " (" + phase + ")";
  };
  for (const auto& flow : flows_) add("flow " + flow->name(), flow->counters().phase);
  for (size_t i = 0; i < checkpointers_.size(); ++i) {
    add("checkpoints " + flows_[i]->name(), checkpointers_[i]->phase());
  }
  return out;
}

metrics::ProbeResult Sidecar::ready() const {
  if (reader_) {
    if (auto partition = reader_->catching_up()) {
      return {false, "conflict resolution: the key index is catching up on " + *partition};
    }
  }
  for (size_t i = 0; i < flows_.size(); ++i) {
    const auto& counters = flows_[i]->counters();
    // Three missed refreshes (at least 15 s) mean a cluster is not answering.
    int64_t window = std::max<int64_t>(15000, 3 * refresh_intervals_[i].count());
    int64_t last_ok = counters.last_refresh_ok_ms;
    if (last_ok == 0 || now_ms() - last_ok > window) {
      return {false, "flow " + flows_[i]->name() + ": source or target cluster not reachable"};
    }
    if (!counters.assignment_received) {
      return {false, "flow " + flows_[i]->name() + ": no partition assignment yet"};
    }
  }
  return {};
}

int Sidecar::run() {
  if (reader_) reader_->start();
  std::vector<std::thread> threads;
  std::atomic<int> exit_code{0};
  std::atomic<size_t> running{flows_.size()};
  for (auto& flow : flows_) {
    threads.emplace_back([&, f = flow.get()] {
      if (f->run() != 0) {
        exit_code = 1;
        stop_flows_ = true;
      }
      running--;
    });
  }
  for (auto& checkpointer : checkpointers_) {
    threads.emplace_back([c = checkpointer.get()] { c->run(); });
  }
  while (running > 0) {
    if (stop_.load()) stop_flows_ = true;
    if (reader_ && reader_->failure() && !stop_flows_) {
      exit_code = 1;  // logged by the reader
      stop_flows_ = true;
    }
    if (reader_ && stop_flows_) reader_->stop();  // settles its repairs while the flows do
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop_flows_ = true;  // the checkpointers stop with the last flow
  for (auto& t : threads) t.join();
  if (reader_) {
    reader_->stop();
    reader_->join();
  }
  return exit_code;
}

}  // namespace duplex::replicator
