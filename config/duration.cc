#include "config/duration.h"

#include <charconv>

namespace duplex::config {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  long long amount = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (ec != std::errc() || end == text.data() || amount < 0) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  using namespace std::chrono;
  if (unit == "ms") return milliseconds(amount);
  if (unit == "s") return duration_cast<milliseconds>(seconds(amount));
  if (unit == "m") return duration_cast<milliseconds>(minutes(amount));
  if (unit == "h") return duration_cast<milliseconds>(hours(amount));
  return std::nullopt;
}

}  // namespace duplex::config
