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

const config::Flow* flow_from(const config::Config& config, const std::string& source,
                              const std::string& command) {
  for (const auto& flow : config.flows) {
    if (flow.source == source) return &flow;
  }
  std::cerr << "duplex " << command << ": no flow from region '" << source << "' into '"
            << config.region << "' in this config (flows come from:";
  for (const auto& flow : config.flows) std::cerr << " " << flow.source;
  std::cerr << ")\n";
  return nullptr;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace duplex::app
