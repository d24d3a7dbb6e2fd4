#pragma once

#include <string>
#include <variant>
#include <vector>

#include "config/config.h"

namespace duplex::config {

// One thing wrong with a config file, where it is.
struct Problem {
  int line = 0;  // 1-based; 0 when the problem has no single place
  std::string message;
};

// Why `id` cannot be a group.instance.id (Kafka's rule: 1 to 249 of [A-Za-z0-9._-]), or empty.
std::string instance_id_problem(const std::string& id);

using LoadResult = std::variant<Config, std::vector<Problem>>;

// Reads a YAML config file, substitutes ${ENV} in values and validates everything it can
// without connecting: it returns every problem at once, never the first one only.
class ConfigLoader {
 public:
  static LoadResult load_file(const std::string& path);
  static LoadResult load_string(const std::string& yaml);

  // "file:line: message" lines, one per problem.
  static std::string format(const std::string& file, const std::vector<Problem>& problems);
};

}  // namespace duplex::config
