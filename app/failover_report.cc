#include "app/failover_report.h"

#include <iomanip>
#include <optional>
#include <sstream>
#include <type_traits>

#include "app/command_line.h"

namespace duplex::app {
namespace {

std::string fixed(double value, int precision) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << value;
  return out.str();
}

// A figure that may be unknown: `unknown` in the table, null in JSON, never 0.
template <class T>
std::string maybe(const std::optional<T>& value, int precision, const char* unknown) {
  if (!value) return unknown;
  if constexpr (std::is_floating_point_v<T>) {
    return fixed(*value, precision);
  } else {
    return std::to_string(*value);
  }
}

}  // namespace

void print_failover_table(const offsets::FailoverPlan& plan, std::ostream& out) {
  out << std::left << std::setw(20) << "group" << std::setw(24) << "topic" << std::right
      << std::setw(10) << "partition" << std::setw(14) << "source offset" << std::setw(14)
      << "target offset" << std::setw(10) << "re-reads" << std::setw(17) << "checkpoint age s"
      << std::setw(12) << "not copied" << std::setw(8) << "rpo s"
      << "\n";
  for (const auto& m : plan.moves) {
    const auto& c = m.checkpoint;
    out << std::left << std::setw(20) << c.group << std::setw(24) << c.target_topic << std::right
        << std::setw(10) << c.partition << std::setw(14) << c.upstream << std::setw(14) << c.target
        << std::setw(10) << m.rereads << std::setw(17) << fixed(m.checkpoint_age_s, 1)
        << std::setw(12) << maybe(m.unreplicated, 0, "unknown") << std::setw(8)
        << maybe(m.rpo_s, 1, "unknown") << "\n";
  }
}

void print_failover_json(const offsets::FailoverPlan& plan, const std::string& from,
                         const std::string& to, bool dry_run, std::ostream& out) {
  out << "{\"from\":" << json_string(from) << ",\"to\":" << json_string(to)
      << ",\"dry_run\":" << (dry_run ? "true" : "false")
      << ",\"corrupt_checkpoints\":" << plan.corrupt << ",\"partitions\":[";
  for (size_t i = 0; i < plan.moves.size(); ++i) {
    const auto& m = plan.moves[i];
    const auto& c = m.checkpoint;
    out << (i ? ",\n " : "") << "{\"group\":" << json_string(c.group)
        << ",\"source_topic\":" << json_string(c.source_topic)
        << ",\"topic\":" << json_string(c.target_topic) << ",\"partition\":" << c.partition
        << ",\"source_offset\":" << c.upstream << ",\"target_offset\":" << c.target
        << ",\"rereads\":" << m.rereads
        << ",\"checkpoint_age_seconds\":" << fixed(m.checkpoint_age_s, 3)
        << ",\"not_copied\":" << maybe(m.unreplicated, 0, "null")
        << ",\"rpo_seconds\":" << maybe(m.rpo_s, 3, "null") << "}";
  }
  out << "]}\n";
}

}  // namespace duplex::app
