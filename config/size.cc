#include "config/size.h"

#include <charconv>

namespace duplex::config {
namespace {

struct Unit {
  std::string_view name;
  uint64_t bytes;
};
constexpr Unit kUnits[] = {
    {"GiB", uint64_t{1} << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}};
constexpr uint64_t kMax = uint64_t{1} << 40;

}  // namespace

std::optional<uint64_t> parse_size(std::string_view text) {
  uint64_t amount = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  for (const auto& u : kUnits) {
    if (unit == u.name && amount <= kMax / u.bytes) return amount * u.bytes;
  }
  return std::nullopt;
}

std::string size_text(uint64_t bytes) {
  for (const auto& u : kUnits) {
    if (bytes >= u.bytes && bytes % u.bytes == 0) {
      return std::to_string(bytes / u.bytes) + std::string(u.name);
    }
  }
  return "0B";
}

}  // namespace duplex::config
