#include <iostream>

#include "app/command_line.h"
#include "app/commands.h"
#include "demo/demo.h"

namespace duplex::app {

int demo_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("seconds", po::value<int>()->default_value(20),
                        "how long both regions keep writing")(
      "rate", po::value<int>()->default_value(200), "orders per second written in each region");
  int exit_code = kExitOk;
  auto vm = parse_command(
      "Usage: duplex demo [--seconds N] [--rate N]\n"
      "Two in-process Kafka regions (no Kafka needed), traffic in both, replication both ways,\n"
      "a live view, then a check that every record is in both regions exactly once.",
      options, args, exit_code);
  if (!vm) return exit_code;
  demo::DemoOptions demo_options;
  demo_options.duration = std::chrono::seconds((*vm)["seconds"].as<int>());
  demo_options.rate = (*vm)["rate"].as<int>();
  if (demo_options.duration.count() < 1 || demo_options.rate < 1) {
    std::cerr << "duplex demo: --seconds and --rate must be at least 1\n";
    return kExitUsage;
  }
  try {
    return demo::run_demo(demo_options, std::cout) == 0 ? kExitOk : kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "duplex demo: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace duplex::app
