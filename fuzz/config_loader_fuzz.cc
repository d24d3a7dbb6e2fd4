// libFuzzer target: any bytes as a config file. ConfigLoader::load_string must return a Config
// or its problems, never throw, crash, leak or trip a sanitizer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  auto result = duplex::config::ConfigLoader::load_string(yaml);
  if (auto* problems = std::get_if<std::vector<duplex::config::Problem>>(&result)) {
    // Problems are printed as file:line lines: format them as `duplex validate` does.
    (void)duplex::config::ConfigLoader::format("fuzz.yaml", *problems);
  }
  return 0;
}
