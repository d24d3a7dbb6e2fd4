#include <iostream>

#include "app/command_line.h"
#include "app/commands.h"
#include "config/redaction.h"

namespace duplex::app {

int validate_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file (YAML)")(
      "print-config", "print the effective config, secrets redacted");
  int exit_code = kExitOk;
  auto vm = parse_command(
      "Usage: duplex validate --config FILE [--print-config]\n"
      "Checks a config file without connecting anywhere and prints every problem with its line.",
      options, args, exit_code);
  if (!vm) return exit_code;
  const auto path = (*vm)["config"].as<std::string>();
  auto config = load_config(path);
  if (!config) return kExitUsage;
  if (vm->count("print-config")) {
    std::cout << config::dump_redacted(*config);
  } else {
    std::cout << path << ": ok (" << config->flows.size() << " flow(s) into " << config->region
              << ")\n";
  }
  return kExitOk;
}

}  // namespace duplex::app
