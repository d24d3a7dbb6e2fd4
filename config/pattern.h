#pragma once

#include <optional>
#include <string>

namespace duplex::config {

// Why `pattern` cannot be used as a regular expression (ECMAScript, std::regex), or nothing.
// Besides std::regex's own errors it refuses a repetition count ({n,m}) or back-reference (\n)
// of more than 9 digits: libstdc++ reads those into an int without an overflow check
// (undefined behaviour, found by fuzzing the config loader).
std::optional<std::string> regex_problem(const std::string& pattern);

}  // namespace duplex::config
