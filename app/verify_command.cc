#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <regex>

#include "app/command_line.h"
#include "app/commands.h"
#include "app/stop_signal.h"
#include "config/duration.h"
#include "config/pattern.h"
#include "offsets/offset_translator.h"
#include "verify/kafka_range_reader.h"
#include "verify/verifier.h"
#include "verify/verify_report.h"

namespace duplex::app {
namespace {

// --since: a duration ago ("2h"), epoch milliseconds, or UTC "YYYY-MM-DDTHH:MM:SSZ".
std::optional<int64_t> parse_since(const std::string& text) {
  using namespace std::chrono;
  const int64_t now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  if (auto ago = config::parse_duration(text)) return now - ago->count();
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(text);
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end && *end == '\0') return static_cast<int64_t>(timegm(&tm)) * 1000;
  return std::nullopt;
}

}  // namespace

int verify_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file (YAML)")(
      "from", po::value<std::string>()->required(), "the flow's source region")(
      "topic,t", po::value<std::string>(), "only source topics matching this regex (whole name)")(
      "since", po::value<std::string>(),
      "start at the first record at or after TIME: a duration ago (2h), epoch ms, or "
      "YYYY-MM-DDTHH:MM:SSZ")("from-offset", po::value<int64_t>(),
                              "start every partition at this source offset")(
      "rate", po::value<double>(), "read at most this many MB/s (10^6 bytes), both clusters")(
      "resume", po::value<std::string>(),
      "state file: go on where an interrupted run stopped, and keep the state there")(
      "output,o", po::value<std::string>()->default_value("table"), "table or json");
  int exit_code = kExitOk;
  auto vm = parse_command(
      "Usage: duplex verify --config FILE --from REGION [--topic RE] [--since TIME | --from-offset "
      "N]\n"
      "                     [--rate MB/s] [--resume FILE] [--output table|json]\n"
      "Proves that the home cluster holds what the source holds: for every partition the flow\n"
      "copies, reads the source range and, through the offset syncs, its copy on the home\n"
      "cluster, and compares key, value, timestamp, headers and origin, in order. Records duplex\n"
      "skips on purpose (loops, other regions', repairs, conflict losers, aborted transactions)\n"
      "are counted, not reported. Exit 0 when everything matches, 1 otherwise (docs/verify.md).",
      options, args, exit_code);
  if (!vm) return exit_code;
  if (vm->count("since") && vm->count("from-offset")) {
    std::cerr << "duplex verify: --since and --from-offset exclude each other\n";
    return kExitUsage;
  }
  const std::string output = (*vm)["output"].as<std::string>();
  if (output != "table" && output != "json") {
    std::cerr << "duplex verify: --output is table or json, not '" << output << "'\n";
    return kExitUsage;
  }
  verify::Verifier::Options opts;
  if (vm->count("topic")) {
    opts.topic_regex = (*vm)["topic"].as<std::string>();
    if (auto why = config::regex_problem(*opts.topic_regex)) {
      std::cerr << "duplex verify: --topic '" << *opts.topic_regex << "': " << *why << "\n";
      return kExitUsage;
    }
  }
  if (vm->count("since")) {
    opts.since_ms = parse_since((*vm)["since"].as<std::string>());
    if (!opts.since_ms) {
      std::cerr << "duplex verify: --since '" << (*vm)["since"].as<std::string>()
                << "' is neither a duration (2h), epoch ms, nor YYYY-MM-DDTHH:MM:SSZ\n";
      return kExitUsage;
    }
  }
  if (vm->count("from-offset")) {
    opts.from_offset = (*vm)["from-offset"].as<int64_t>();
    if (*opts.from_offset < 0) {
      std::cerr << "duplex verify: --from-offset must be 0 or more\n";
      return kExitUsage;
    }
  }
  double rate = 0;
  if (vm->count("rate")) {
    rate = (*vm)["rate"].as<double>();
    if (!(rate > 0)) {
      std::cerr << "duplex verify: --rate must be more than 0 MB/s\n";
      return kExitUsage;
    }
  }
  auto config = load_config((*vm)["config"].as<std::string>());
  if (!config) return kExitUsage;
  const std::string from = (*vm)["from"].as<std::string>();
  const config::Flow* flow = flow_from(*config, from, "verify");
  if (!flow) return kExitUsage;

  verify::VerifyState state(vm->count("resume") ? (*vm)["resume"].as<std::string>() : "", from,
                            config->region);
  if (vm->count("resume")) {
    if (auto why = state.load(); !why.empty()) {
      std::cerr << "duplex verify: " << why << "\n";
      return kExitUsage;
    }
  }
  install_stop_handlers();
  const auto started = std::chrono::steady_clock::now();
  offsets::OffsetTranslator translator(*config, *flow);
  if (auto err = translator.read_runs()) {
    std::cerr << "duplex verify: reading the offset syncs: " << err.message() << "\n";
    return kExitFailure;
  }
  verify::RateLimiter limiter(rate * 1e6, &stop_requested());
  std::optional<verify::KafkaRangeReader> source, target;
  try {
    source.emplace(from, config->clusters.at(from), limiter, &stop_requested());
    target.emplace(config->region, config->home_cluster(), limiter, &stop_requested());
  } catch (const std::exception& e) {
    std::cerr << "duplex verify: " << e.what() << "\n";
    return kExitUsage;
  }
  const auto read_started = std::chrono::steady_clock::now();
  const bool tty = isatty(STDERR_FILENO);
  auto progress = [&](const verify::PartitionState& p, int64_t records) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "\r\033[K" << p.source_topic << "[" << p.partition << "] " << p.next << "/"
              << p.end << "  " << records << " records read, "
              << static_cast<int64_t>(seconds > 0 ? records / seconds : 0) << " records/s"
              << std::flush;
  };
  verify::Verifier verifier(
      {*config, *flow, *source, *target, translator.runs(), state, &stop_requested(),
       tty ? std::function(progress) : nullptr, vm->count("resume") > 0},
      opts);
  const auto err = verifier.run();
  if (tty) std::cerr << "\r\033[K";

  verify::VerifyReport report;
  report.source = from;
  report.home = config->region;
  for (const auto& [key, p] : state.partitions()) {
    if (opts.topic_regex && !std::regex_match(p.source_topic, std::regex(*opts.topic_regex))) {
      continue;
    }
    report.partitions.push_back(p);
    report.target_topics.push_back(verifier.target_topic(p.source_topic));
  }
  report.records_read = verifier.records_read();
  report.bytes_read = verifier.bytes_read();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.read_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - read_started).count();
  report.complete = !err;
  if (output == "json") {
    report.json(std::cout);
  } else {
    report.table(std::cout);
  }
  if (err) {
    std::cerr << "duplex verify: " << err.message() << "\n";
    if (vm->count("resume")) {
      std::cerr << "duplex verify: run again with --resume " << state.path()
                << " to go on from there\n";
    }
    return kExitFailure;
  }
  return report.ok() ? kExitOk : kExitFailure;
}

}  // namespace duplex::app
