#include <iostream>

#include "app/command_line.h"
#include "app/commands.h"
#include "offsets/offset_translator.h"

namespace duplex::app {
namespace {

int translate_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file (YAML)")(
      "from", po::value<std::string>()->required(), "the source region of the offset")(
      "group,g", po::value<std::string>(), "the group whose checkpoints bound the translation")(
      "topic,t", po::value<std::string>()->required(), "topic on the source")(
      "partition,p", po::value<int32_t>()->required(), "partition")(
      "offset", po::value<int64_t>()->required(), "offset on the source")(
      "output,o", po::value<std::string>()->default_value("table"), "table or json");
  int exit_code = kExitOk;
  auto vm = parse_command(
      "Usage: duplex offsets translate --config FILE --from REGION [--group G] --topic T\n"
      "                                --partition P --offset N [--output table|json]\n"
      "Where a consumer at source offset N continues on this config's home cluster. Reads only\n"
      "the home cluster. Without --group, records written in the home region itself are not\n"
      "accounted for, and the answer is the first one that cannot skip any. Offsets between\n"
      "two copies that hold no record (aborted transactions, markers) are read and stepped over.",
      options, args, exit_code);
  if (!vm) return exit_code;
  auto config = load_config((*vm)["config"].as<std::string>());
  if (!config) return kExitUsage;
  const std::string from = (*vm)["from"].as<std::string>();
  const config::Flow* flow = flow_from(*config, from, "offsets translate");
  if (!flow) return kExitUsage;
  const std::string topic = (*vm)["topic"].as<std::string>();
  const int32_t partition = (*vm)["partition"].as<int32_t>();
  const int64_t upstream = (*vm)["offset"].as<int64_t>();

  offsets::OffsetTranslator translator(*config, *flow);
  if (auto err = translator.read_runs()) {
    std::cerr << "duplex offsets translate: " << err.message() << "\n";
    return err.code() == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ? kExitUsage : kExitFailure;
  }
  if (vm->count("group")) {
    if (auto err = translator.read_checkpoints((*vm)["group"].as<std::string>())) {
      std::cerr << "duplex offsets translate: " << err.message() << "\n";
      return kExitFailure;
    }
  }
  const auto t = translator.translate(topic, partition, upstream);
  const std::string target_topic = translator.target_topic(topic);
  // The answer is still safe (it skips nothing), but maybe not the exact one: say so.
  for (const auto& why : translator.unread_gaps()) {
    std::cerr << "duplex offsets translate: " << why
              << "; the answer stops at this gap, which may hold no record (run again to read "
                 "it)\n";
  }
  if ((*vm)["output"].as<std::string>() == "json") {
    std::cout << "{\"topic\":" << json_string(target_topic) << ",\"partition\":" << partition
              << ",\"source_offset\":" << upstream << ",\"target_offset\":" << t.target << "}\n";
  } else {
    std::cout << from << " " << topic << "[" << partition << "]@" << upstream << " -> "
              << config->region << " " << target_topic << "[" << partition << "]@" << t.target
              << "\n";
  }
  return kExitOk;
}

}  // namespace

int offsets_command(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "translate") {
    return translate_command(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::cerr << "Usage: duplex offsets translate --config FILE --from REGION [--group G] --topic T "
               "--partition P --offset N\n";
  return args.empty() || args[0] == "--help" ? kExitOk : kExitUsage;
}

}  // namespace duplex::app
