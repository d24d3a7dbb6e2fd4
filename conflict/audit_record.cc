#include "conflict/audit_record.h"

#include <charconv>
#include <sstream>
#include <vector>

namespace duplex::conflict {
namespace {

constexpr std::string_view kFormat = "1";

template <class T>
bool number(std::string_view text, T& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

// 1 <topic> <partition> <source_offset> <origin> <timestamp> <rank> <winner_origin>
//   <winner_timestamp> <winner_rank>
std::string encode(const AuditRecord& r) {
  std::ostringstream out;
  out << kFormat << ' ' << r.topic << ' ' << r.partition << ' ' << r.source_offset << ' '
      << r.origin << ' ' << r.version.timestamp << ' ' << r.version.rank << ' ' << r.winner_origin
      << ' ' << r.winner.timestamp << ' ' << r.winner.rank;
  return out.str();
}

std::optional<AuditRecord> decode_audit(std::string_view value) {
  std::vector<std::string_view> fields;
  for (size_t at = 0; at <= value.size();) {
    size_t space = std::min(value.find(' ', at), value.size());
    fields.push_back(value.substr(at, space - at));
    at = space + 1;
  }
  if (fields.size() != 10 || fields[0] != kFormat) return std::nullopt;
  AuditRecord r;
  r.topic = fields[1];
  r.origin = fields[4];
  r.winner_origin = fields[7];
  if (!number(fields[2], r.partition) || !number(fields[3], r.source_offset) ||
      !number(fields[5], r.version.timestamp) || !number(fields[6], r.version.rank) ||
      !number(fields[8], r.winner.timestamp) || !number(fields[9], r.winner.rank)) {
    return std::nullopt;
  }
  return r;
}

}  // namespace duplex::conflict
