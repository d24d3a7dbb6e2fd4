#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>
#include <optional>

#include "app/cluster_check.h"
#include "app/command_line.h"
#include "app/commands.h"
#include "app/logging.h"
#include "app/stop_signal.h"
#include "app/stop_watchdog.h"
#include "config/config_loader.h"
#include "metrics/http_endpoint.h"
#include "metrics/replication_metrics.h"
#include "replicator/sidecar.h"

namespace duplex::app {

int run_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file (YAML)")(
      "instance-id", po::value<std::string>(),
      "static group membership under this id (overrides membership.instance_id): unique per "
      "process of the region, e.g. the host name");
  int exit_code = kExitOk;
  auto vm = parse_command(
      "Usage: duplex run --config FILE [--instance-id ID]\n"
      "Runs the sidecar: copies records from every flow's source region into the home region\n"
      "until SIGTERM or SIGINT, then flushes, commits what the target acknowledged and exits 0\n"
      "(1 when it could not commit). A stop ends within 30 s whatever the clusters do: past\n"
      "that, it logs what it still waited for and exits 1.",
      options, args, exit_code);
  if (!vm) return exit_code;
  // Before anything else: a SIGTERM while the config loads stops the sidecar as it starts.
  install_stop_handlers();
  auto config = load_config((*vm)["config"].as<std::string>());
  if (!config) return kExitUsage;
  if (vm->count("instance-id")) {
    config->instance_id = (*vm)["instance-id"].as<std::string>();
    if (auto why = config::instance_id_problem(config->instance_id); !why.empty()) {
      std::cerr << "duplex run: --instance-id: " << why << "\n";
      return kExitUsage;
    }
  }
  setup_logging(config->log_level, config->log_format);
  try {
    metrics::ReplicationMetrics metrics(DUPLEX_VERSION);
    // The sidecar, for the probes and the watchdog, while it exists.
    std::atomic<const replicator::Sidecar*> running{nullptr};
    // One endpoint from the start: while the clusters are waited for (startup.wait) and the
    // sidecar starts, probes get answers (alive, not ready), so an orchestrator's liveness check
    // does not restart it before it could name what is wrong; then the sidecar's own answers.
    std::optional<metrics::HttpEndpoint> endpoint;
    endpoint.emplace(config->metrics_listen,
                     metrics::HttpEndpoint::Handlers{
                         [&] { return metrics.serialize(); },
                         [&] {
                           auto* sidecar = running.load();
                           return sidecar ? sidecar->health() : metrics::ProbeResult{};
                         },
                         [&] {
                           auto* sidecar = running.load();
                           return sidecar
                                      ? sidecar->ready()
                                      : metrics::ProbeResult{false,
                                                             "starting: waiting for the clusters "
                                                             "(startup.wait) and the flows"};
                         }});
    spdlog::info("metrics on http://{}/metrics (/healthz, /readyz)", config->metrics_listen);
    if (config->startup_wait.count() > 0) {
      // A wrong host, port or name is said within startup.wait, not retried without a word.
      auto silent =
          silent_clusters(*config, clusters_of(*config), config->startup_wait, &stop_requested());
      for (const auto& line : silent) spdlog::error("duplex: {}", line);
      if (stop_requested().load()) return kExitOk;
      if (!silent.empty()) return kExitFailure;
    }
    const replicator::FlowOptions options;
    // Declared before the sidecar, so that it outlives (and guards) the destructors below.
    StopWatchdog watchdog(
        replicator::Sidecar::stop_bound(options),
        [&] { return stop_requested().load() || (running.load() && running.load()->stopping()); },
        [&] {
          auto* sidecar = running.load();
          return sidecar ? sidecar->still_running() : "the sidecar's clients and threads closing";
        });
    replicator::Sidecar sidecar(*config, stop_requested(), metrics, options);
    running = &sidecar;
    // However this scope is left, the endpoint stops (its threads joined: no probe is still
    // asking) before the sidecar is destroyed.
    struct ProbesOff {
      std::optional<metrics::HttpEndpoint>& endpoint;
      std::atomic<const replicator::Sidecar*>& running;
      ~ProbesOff() {
        running = nullptr;
        endpoint.reset();
      }
    } probes_off{endpoint, running};
    spdlog::info("duplex sidecar for region {} running {} flow(s)", config->region,
                 sidecar.flows().size());
    int code = sidecar.run();
    watchdog.arm();  // what is left: the endpoint and the sidecar's destruction
    spdlog::info("duplex sidecar exiting with code {}", code);
    return code;
  } catch (const std::exception& e) {
    spdlog::error("duplex: {}", e.what());
    return kExitFailure;
  }
}

}  // namespace duplex::app
