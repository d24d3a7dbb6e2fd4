#include <iostream>

#include "app/cluster_check.h"
#include "app/command_line.h"
#include "app/commands.h"
#include "app/failover_report.h"
#include "config/pattern.h"
#include "offsets/failover.h"

namespace duplex::app {

int failover_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file (YAML)")(
      "from", po::value<std::string>()->required(), "the region the groups move away from")(
      "group,g", po::value<std::vector<std::string>>()->composing(), "a consumer group (repeat)")(
      "group-regex", po::value<std::string>(), "every checkpointed group matching this regex")(
      "dry-run", "print the plan, change nothing")(
      "output,o", po::value<std::string>()->default_value("table"), "table or json");
  int exit_code = kExitOk;
  auto vm = parse_command(
      "Usage: duplex failover --config FILE --from REGION (--group G ... | --group-regex RE)\n"
      "                       [--dry-run] [--output table|json]\n"
      "Moves consumer groups to this config's home region: writes each group's offsets there,\n"
      "translated from its newest checkpoint of REGION. Needs only the home cluster. Refuses a\n"
      "group with active members on the home cluster. Failback is the same command with the\n"
      "other region's config.",
      options, args, exit_code);
  if (!vm) return exit_code;
  const std::string output = (*vm)["output"].as<std::string>();
  if (output != "table" && output != "json") {
    std::cerr << "duplex failover: --output must be table or json\n";
    return kExitUsage;
  }
  std::vector<std::string> groups;
  if (vm->count("group")) groups = (*vm)["group"].as<std::vector<std::string>>();
  std::optional<std::string> regex;
  if (vm->count("group-regex")) regex = (*vm)["group-regex"].as<std::string>();
  if (regex) {
    if (auto why = config::regex_problem(*regex)) {
      std::cerr << "duplex failover: --group-regex '" << *regex << "': " << *why << "\n";
      return kExitUsage;
    }
  }
  if (groups.empty() && !regex) {
    std::cerr << "duplex failover: name the groups: --group G (repeatable) or --group-regex RE\n";
    return kExitUsage;
  }
  auto config = load_config((*vm)["config"].as<std::string>());
  if (!config) return kExitUsage;
  const std::string from = (*vm)["from"].as<std::string>();
  if (!flow_from(*config, from, "failover")) return kExitUsage;
  const bool dry_run = vm->count("dry-run") > 0;

  // Everything failover reads and writes is on the home cluster: say so now when it is silent.
  if (auto silent = silent_clusters(*config, {config->region}, kCommandClusterWait);
      !silent.empty()) {
    std::cerr << "duplex failover: " << silent.front() << "\n";
    return kExitFailure;
  }
  offsets::Failover failover(*config, from);
  if (auto err = failover.read_checkpoints()) {
    std::cerr << "duplex failover: " << err.message() << "\n";
    return err.code() == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ? kExitUsage : kExitFailure;
  }
  auto result = failover.plan(groups, regex);  // the regex compiles: checked above
  if (auto* e = std::get_if<kafka::KafkaError>(&result)) {
    std::cerr << "duplex failover: " << e->message() << "\n";
    return kExitFailure;
  }
  const auto& plan = std::get<offsets::FailoverPlan>(result);
  if (plan.corrupt > 0) {
    std::cerr << "duplex failover: warning: skipped " << plan.corrupt
              << " corrupt record(s) in duplex.checkpoints." << from << "\n";
  }
  for (const auto& g : plan.unknown) {
    std::cerr << "duplex failover: no checkpoint for group '" << g << "' from " << from << " in "
              << config->region << "'s duplex.checkpoints." << from
              << " (is the name right, did it commit on " << from
              << ", and do the flow's groups.include patterns match it?)\n";
  }
  if (!plan.unknown.empty()) return kExitUsage;
  if (plan.moves.empty()) {
    std::cerr << "duplex failover: no checkpointed group matches --group-regex " << *regex << "\n";
    return kExitUsage;
  }
  for (const auto& g : plan.active) {
    std::cerr << "duplex failover: group '" << g << "' has active members on " << config->region
              << ": stop its consumers there first (failover never moves a group in use)\n";
  }
  if (!plan.active.empty()) return kExitUsage;

  output == "json" ? print_failover_json(plan, from, config->region, dry_run, std::cout)
                   : print_failover_table(plan, std::cout);
  if (dry_run) {
    if (output == "table") std::cout << "dry run: nothing changed\n";
    return kExitOk;
  }
  if (auto err = failover.apply(plan)) {
    std::cerr << "duplex failover: " << err.message() << "\n";
    return kExitFailure;
  }
  if (output == "table") {
    std::cout << "moved " << plan.moves.size() << " partition(s) to " << config->region << "\n";
  }
  return kExitOk;
}

}  // namespace duplex::app
