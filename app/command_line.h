#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace duplex::app {

namespace po = boost::program_options;

// Parses one command's arguments. On --help it prints usage and returns nullopt with
// exit_code 0; on bad usage it prints why and returns nullopt with exit_code 2.
std::optional<po::variables_map> parse_command(const std::string& usage,
                                               const po::options_description& options,
                                               const std::vector<std::string>& args,
                                               int& exit_code);

// Loads and validates a config file; prints every problem as file:line and returns nullopt.
std::optional<config::Config> load_config(const std::string& path);

// The config's flow from `source`; prints why and returns null when there is none.
const config::Flow* flow_from(const config::Config& config, const std::string& source,
                              const std::string& command);

// `s` as a JSON string literal.
std::string json_string(const std::string& s);

}  // namespace duplex::app
