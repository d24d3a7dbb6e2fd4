#include "config/duration.h"

#include <charconv>

namespace duplex::config {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  long long amount = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (ec != std::errc() || end == text.data() || amount < 0) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  long long per_unit = 0;  // milliseconds
  if (unit == "ms") per_unit = 1;
  if (unit == "s") per_unit = 1000;
  if (unit == "m") per_unit = 60 * 1000;
  if (unit == "h") per_unit = 60 * 60 * 1000;
  if (per_unit == 0) return std::nullopt;
  // Past a year no setting makes sense, and a clock time this far ahead overflows.
  if (amount > kMaxDuration.count() / per_unit) return std::nullopt;
  return std::chrono::milliseconds(amount * per_unit);
}

}  // namespace duplex::config
