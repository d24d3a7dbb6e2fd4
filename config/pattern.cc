#include "config/pattern.h"

#include <cctype>
#include <regex>

namespace duplex::config {
namespace {

constexpr size_t kMaxCountDigits = 9;  // fits an int

// The length of the run of digits at `from`.
size_t digits_at(const std::string& s, size_t from) {
  size_t n = 0;
  while (from + n < s.size() && std::isdigit(static_cast<unsigned char>(s[from + n]))) n++;
  return n;
}

bool has_oversized_count(const std::string& p) {
  bool in_braces = false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      const size_t n = digits_at(p, i + 1);
      if (n > kMaxCountDigits) return true;
      i += n > 0 ? n : 1;  // past the back-reference, or the escaped character
    } else if (p[i] == '{') {
      in_braces = true;
    } else if (p[i] == '}') {
      in_braces = false;
    } else if (in_braces) {
      const size_t n = digits_at(p, i);
      if (n > kMaxCountDigits) return true;
      if (n > 0) i += n - 1;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> regex_problem(const std::string& pattern) {
  if (has_oversized_count(pattern)) {
    return "a repetition count or back-reference of more than " + std::to_string(kMaxCountDigits) +
           " digits";
  }
  try {
    std::regex compiled(pattern);
  } catch (const std::regex_error& e) {
    return e.what();
  }
  return std::nullopt;
}

}  // namespace duplex::config
