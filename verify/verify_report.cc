#include "verify/verify_report.h"

#include <iomanip>
#include <sstream>

namespace duplex::verify {
namespace {

std::string text(std::optional<int64_t> v) {
  return v ? std::to_string(*v) : "-";
}
std::string json_number(std::optional<int64_t> v) {
  return v ? std::to_string(*v) : "null";
}

// Region and topic names are plain ASCII without quotes in practice; escape anyway.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

std::string span(const Tally& t) {
  if (!t.first_timestamp) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(1)
      << static_cast<double>(*t.last_timestamp - *t.first_timestamp) / 1000.0 << "s";
  return out.str();
}

std::string accounted(const Tally& t) {
  std::ostringstream out;
  out << "loops " << t.loops << ", other regions " << t.other_origin << ", repairs " << t.repairs
      << ", conflict losers " << t.conflict_losers << ", aborted transactions " << t.aborted
      << ", source gaps (transaction markers, compaction) " << t.source_gaps
      << ", at-least-once duplicates " << t.duplicates << ", pending (not synced yet) "
      << t.pending;
  return out.str();
}

void tally_json(std::ostream& out, const Tally& t) {
  out << "\"source_records\":" << t.source_records << ",\"compared\":" << t.compared
      << ",\"matching\":" << t.matching << ",\"missing\":" << t.missing << ",\"extra\":" << t.extra
      << ",\"different\":" << t.different
      << ",\"first_divergent_source_offset\":" << json_number(t.first_divergent_source_offset)
      << ",\"first_timestamp_ms\":" << json_number(t.first_timestamp)
      << ",\"last_timestamp_ms\":" << json_number(t.last_timestamp)
      << ",\"digests_equal\":" << (t.source_digest == t.target_digest ? "true" : "false")
      << ",\"accounted\":{\"loops\":" << t.loops << ",\"other_origin\":" << t.other_origin
      << ",\"repairs\":" << t.repairs << ",\"conflict_losers\":" << t.conflict_losers
      << ",\"aborted\":" << t.aborted << ",\"source_gaps\":" << t.source_gaps
      << ",\"duplicates\":" << t.duplicates << ",\"pending\":" << t.pending
      << "},\"target_records\":" << t.target_records << ",\"target_other\":" << t.target_other;
  for (auto [name, origins] :
       {std::pair{"source_origins", &t.source_origins}, {"target_origins", &t.target_origins}}) {
    out << ",\"" << name << "\":{";
    bool first = true;
    for (const auto& [origin, n] : *origins) {
      out << (first ? "" : ",") << quoted(origin) << ":" << n;
      first = false;
    }
    out << "}";
  }
}

}  // namespace

Tally VerifyReport::totals() const {
  Tally total;
  for (const auto& p : partitions) total.add(p.tally);
  return total;
}

void VerifyReport::table(std::ostream& out) const {
  out << "verify " << source << " -> " << home << "\n";
  out << std::left << std::setw(28) << "topic[partition]" << std::right << std::setw(20)
      << "source range" << std::setw(10) << "compared" << std::setw(10) << "matching"
      << std::setw(9) << "missing" << std::setw(7) << "extra" << std::setw(10) << "different"
      << std::setw(17) << "first divergent" << std::setw(9) << "span"
      << "\n";
  for (size_t i = 0; i < partitions.size(); ++i) {
    const auto& p = partitions[i];
    const auto& t = p.tally;
    out << std::left << std::setw(28) << (p.source_topic + "[" + std::to_string(p.partition) + "]")
        << std::right << std::setw(20) << (std::to_string(p.start) + ".." + std::to_string(p.next))
        << std::setw(10) << t.compared << std::setw(10) << t.matching << std::setw(9) << t.missing
        << std::setw(7) << t.extra << std::setw(10) << t.different << std::setw(17)
        << text(t.first_divergent_source_offset) << std::setw(9) << span(t) << "\n";
  }
  const Tally total = totals();
  for (size_t i = 0; i < partitions.size(); ++i) {
    for (const auto& d : partitions[i].tally.divergences) {
      out << "  " << kind_name(d.kind) << ": " << partitions[i].source_topic << "["
          << partitions[i].partition << "] source offset " << text(d.source_offset) << ", target "
          << target_topics[i] << "[" << partitions[i].partition << "] offset "
          << text(d.target_offset) << "\n";
    }
  }
  out << "accounted for: " << accounted(total) << "\n";
  out << "read " << records_read << " records, " << bytes_read << " bytes in " << std::fixed
      << std::setprecision(1) << read_seconds << " s ("
      << static_cast<int64_t>(read_seconds > 0 ? records_read / read_seconds : 0) << " records/s; "
      << seconds << " s in all)\n";
  if (!complete) {
    out << "INCOMPLETE: " << total.compared << " records compared before it stopped\n";
  } else if (total.clean()) {
    out << "OK: " << total.compared << " records compared, all match\n";
  } else {
    out << "DIFFERENCES: " << total.missing << " missing on the target, " << total.extra
        << " extra on the target, " << total.different << " different, of " << total.compared
        << " records compared\n";
  }
}

void VerifyReport::json(std::ostream& out) const {
  out << "{\"source\":" << quoted(source) << ",\"home\":" << quoted(home)
      << ",\"ok\":" << (ok() ? "true" : "false")
      << ",\"complete\":" << (complete ? "true" : "false") << ",\"records_read\":" << records_read
      << ",\"bytes_read\":" << bytes_read << ",\"seconds\":" << seconds
      << ",\"read_seconds\":" << read_seconds << ",\"records_per_second\":"
      << static_cast<int64_t>(read_seconds > 0 ? records_read / read_seconds : 0)
      << ",\"partitions\":[";
  for (size_t i = 0; i < partitions.size(); ++i) {
    const auto& p = partitions[i];
    out << (i ? "," : "") << "{\"topic\":" << quoted(p.source_topic)
        << ",\"target_topic\":" << quoted(target_topics[i]) << ",\"partition\":" << p.partition
        << ",\"start\":" << p.start << ",\"end\":" << p.end << ",\"verified_to\":" << p.next << ",";
    tally_json(out, p.tally);
    out << ",\"divergences\":[";
    for (size_t j = 0; j < p.tally.divergences.size(); ++j) {
      const auto& d = p.tally.divergences[j];
      out << (j ? "," : "") << "{\"kind\":\"" << kind_name(d.kind)
          << "\",\"source_offset\":" << json_number(d.source_offset)
          << ",\"target_offset\":" << json_number(d.target_offset) << "}";
    }
    out << "]}";
  }
  out << "],\"totals\":{";
  tally_json(out, totals());
  out << "}}\n";
}

}  // namespace duplex::verify
