#include "app/command_line.h"

#include <iostream>

#include "app/commands.h"
#include "config/config_loader.h"

namespace duplex::app {

std::optional<po::variables_map> parse_command(const std::string& usage,
                                               const po::options_description& options,
                                               const std::vector<std::string>& args,
                                               int& exit_code) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n\n" << all << "\n";
      exit_code = kExitOk;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "duplex: " << e.what() << "\n" << usage << "\n(see --help)\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  return vm;
}

std::optional<config::Config> load_config(const std::string& path) {
  auto result = config::ConfigLoader::load_file(path);
  if (auto* problems = std::get_if<std::vector<config::Problem>>(&result)) {
    std::cerr << config::ConfigLoader::format(path, *problems);
    std::cerr << "duplex: " << problems->size() << " problem(s) in " << path << "\n";
    return std::nullopt;
  }
  return std::get<config::Config>(std::move(result));
}

}  // namespace duplex::app
