#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/cluster_check.h"
#include "app/command_line.h"
#include "app/commands.h"
#include "status/flow_status.h"

namespace duplex::app {
namespace {

// A number, or "-" (table) / null (json) when not known.
std::string figure(double value, int precision, bool json) {
  if (value < 0) return json ? "null" : "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << value;
  return out.str();
}

void print_table(const std::vector<status::FlowStatus>& flows, std::ostream& out) {
  out << std::left << std::setw(16) << "flow" << std::right << std::setw(9) << "sidecar"
      << std::setw(12) << "partitions" << std::setw(10) << "lag" << std::setw(12) << "records/s"
      << std::setw(10) << "p99 ms" << std::setw(11) << "silence s" << std::setw(14)
      << "checkpoint s" << std::setw(8) << "errors" << std::setw(8) << "lost"
      << "\n";
  for (const auto& f : flows) {
    out << std::left << std::setw(16) << f.flow << std::right << std::setw(9)
        << (f.sidecar_answering ? "up" : "down") << std::setw(12) << figure(f.partitions, 0, false)
        << std::setw(10) << figure(static_cast<double>(f.lag), 0, false) << std::setw(12)
        << figure(f.records_per_second, 1, false) << std::setw(10)
        << figure(f.latency_p99_seconds < 0 ? -1 : f.latency_p99_seconds * 1000, 1, false)
        << std::setw(11) << figure(f.source_silence_seconds, 1, false) << std::setw(14)
        << figure(f.checkpoint_age_seconds, 1, false) << std::setw(8) << figure(f.errors, 0, false)
        << std::setw(8) << figure(f.records_lost, 0, false) << "\n";
  }
  for (const auto& f : flows) out << "  " << f.flow << ": " << f.note << "\n";
}

void print_json(const std::vector<status::FlowStatus>& flows, std::ostream& out) {
  out << "[";
  for (size_t i = 0; i < flows.size(); ++i) {
    const auto& f = flows[i];
    out << (i ? ",\n " : "") << "{\"flow\":" << json_string(f.flow)
        << ",\"sidecar\":" << (f.sidecar_answering ? "true" : "false")
        << ",\"partitions\":" << figure(f.partitions, 0, true)
        << ",\"lag\":" << figure(static_cast<double>(f.lag), 0, true)
        << ",\"records_per_second\":" << figure(f.records_per_second, 3, true)
        << ",\"latency_p99_seconds\":" << figure(f.latency_p99_seconds, 6, true)
        << ",\"source_silence_seconds\":" << figure(f.source_silence_seconds, 3, true)
        << ",\"checkpoint_age_seconds\":" << figure(f.checkpoint_age_seconds, 3, true)
        << ",\"errors\":" << figure(f.errors, 0, true)
        << ",\"records_lost\":" << figure(f.records_lost, 0, true)
        << ",\"note\":" << json_string(f.note) << "}";
  }
  out << "]\n";
}

}  // namespace

int status_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file (YAML)")(
      "watch", "refresh every 2 s until interrupted")(
      "output,o", po::value<std::string>()->default_value("table"), "table or json");
  int exit_code = kExitOk;
  auto vm = parse_command(
      "Usage: duplex status --config FILE [--watch] [--output table|json]\n"
      "Per flow: partitions, lag, records/s, p99 latency, source silence, checkpoint age,\n"
      "errors and records lost in source gaps, from the sidecar's metrics endpoint, or from\n"
      "the clusters when the sidecar is down.",
      options, args, exit_code);
  if (!vm) return exit_code;
  const std::string output = (*vm)["output"].as<std::string>();
  if (output != "table" && output != "json") {
    std::cerr << "duplex status: --output must be table or json\n";
    return kExitUsage;
  }
  auto config = load_config((*vm)["config"].as<std::string>());
  if (!config) return kExitUsage;
  for (;;) {
    auto flows = status::read_status(*config);
    if (vm->count("watch") && output == "table") std::cout << "\x1b[H\x1b[2J";
    output == "json" ? print_json(flows, std::cout) : print_table(flows, std::cout);
    std::cout.flush();
    if (!vm->count("watch")) {
      bool unread = false;
      for (const auto& f : flows) unread = unread || f.lag < 0;
      if (!unread) return kExitOk;
      // The flow's lag could not be read: name the cluster that is silent, if one is.
      for (const auto& line : silent_clusters(*config, clusters_of(*config), kCommandClusterWait)) {
        std::cerr << "duplex status: " << line << "\n";
      }
      return kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));  // plus the 1 s scrape window
  }
}

}  // namespace duplex::app
