#include "verify/tally.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "conflict/content_digest.h"

namespace duplex::verify {
namespace {

// The counts by their names in the resume file.
constexpr std::pair<std::string_view, int64_t Tally::*> kCounts[] = {
    {"source_records", &Tally::source_records},
    {"compared", &Tally::compared},
    {"matching", &Tally::matching},
    {"missing", &Tally::missing},
    {"extra", &Tally::extra},
    {"different", &Tally::different},
    {"loops", &Tally::loops},
    {"other_origin", &Tally::other_origin},
    {"repairs", &Tally::repairs},
    {"conflict_losers", &Tally::conflict_losers},
    {"aborted", &Tally::aborted},
    {"source_gaps", &Tally::source_gaps},
    {"duplicates", &Tally::duplicates},
    {"pending", &Tally::pending},
    {"target_records", &Tally::target_records},
    {"target_other", &Tally::target_other},
};

std::optional<int64_t> min_of(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

template <class T>
bool parse(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::optional<int64_t> max_of(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

std::string optional_text(std::optional<int64_t> v) {
  return v ? std::to_string(*v) : "-";
}

bool parse_optional(std::string_view text, std::optional<int64_t>& out) {
  if (text == "-") {
    out.reset();
    return true;
  }
  int64_t v = 0;
  if (!parse(text, v)) return false;
  out = v;
  return true;
}

}  // namespace

std::string_view kind_name(Divergence::Kind kind) {
  switch (kind) {
    case Divergence::Kind::missing:
      return "missing";
    case Divergence::Kind::extra:
      return "extra";
    case Divergence::Kind::different:
      return "different";
  }
  return "?";
}

uint64_t chain(uint64_t sequence, uint64_t record_digest) {
  // FNV-1a over the previous value's and the record's bytes: any reordering changes it.
  conflict::ContentDigest digest;
  digest.value(std::string_view(reinterpret_cast<const char*>(&sequence), sizeof sequence));
  digest.value(
      std::string_view(reinterpret_cast<const char*>(&record_digest), sizeof record_digest));
  return digest.digest();
}

void Tally::add(const Tally& other) {
  for (const auto& [name, field] : kCounts) this->*field += other.*field;
  first_divergent_source_offset =
      min_of(first_divergent_source_offset, other.first_divergent_source_offset);
  first_timestamp = min_of(first_timestamp, other.first_timestamp);
  last_timestamp = max_of(last_timestamp, other.last_timestamp);
  // Later ranges follow earlier ones: the sequence goes on.
  if (other.source_digest != kEmptyDigest)
    source_digest = chain(source_digest, other.source_digest);
  if (other.target_digest != kEmptyDigest)
    target_digest = chain(target_digest, other.target_digest);
  for (const auto& [origin, n] : other.source_origins) source_origins[origin] += n;
  for (const auto& [origin, n] : other.target_origins) target_origins[origin] += n;
  for (const auto& d : other.divergences) {
    if (divergences.size() < kMaxDivergences) divergences.push_back(d);
  }
}

void Tally::diverge(Divergence divergence) {
  switch (divergence.kind) {
    case Divergence::Kind::missing:
      ++missing;
      break;
    case Divergence::Kind::extra:
      ++extra;
      break;
    case Divergence::Kind::different:
      ++different;
      break;
  }
  first_divergent_source_offset = min_of(first_divergent_source_offset, divergence.source_offset);
  if (divergences.size() < kMaxDivergences) divergences.push_back(divergence);
}

std::string Tally::encode() const {
  std::ostringstream out;
  for (const auto& [name, field] : kCounts) out << name << "=" << this->*field << " ";
  out << "first_divergent=" << optional_text(first_divergent_source_offset)
      << " first_timestamp=" << optional_text(first_timestamp)
      << " last_timestamp=" << optional_text(last_timestamp) << " source_digest=" << source_digest
      << " target_digest=" << target_digest;
  // Region names are config keys: no spaces, no '='.
  for (const auto& [origin, n] : source_origins) out << " source_origin:" << origin << "=" << n;
  for (const auto& [origin, n] : target_origins) out << " target_origin:" << origin << "=" << n;
  for (const auto& d : divergences) {
    out << " divergence=" << kind_name(d.kind) << ":" << optional_text(d.source_offset) << ":"
        << optional_text(d.target_offset);
  }
  return out.str();
}

std::optional<Tally> Tally::decode(std::string_view text) {
  Tally tally;
  std::istringstream in{std::string(text)};
  std::string field;
  while (in >> field) {
    const auto eq = field.find('=');
    if (eq == std::string::npos) return std::nullopt;
    const std::string_view name = std::string_view(field).substr(0, eq);
    const std::string_view value = std::string_view(field).substr(eq + 1);
    bool ok = false;
    for (const auto& [count_name, count] : kCounts) {
      if (name == count_name) ok = parse(value, tally.*count);
    }
    if (name == "first_divergent") ok = parse_optional(value, tally.first_divergent_source_offset);
    if (name == "first_timestamp") ok = parse_optional(value, tally.first_timestamp);
    if (name == "last_timestamp") ok = parse_optional(value, tally.last_timestamp);
    if (name == "source_digest") ok = parse(value, tally.source_digest);
    if (name == "target_digest") ok = parse(value, tally.target_digest);
    for (auto [prefix, origins] :
         {std::pair{std::string_view("source_origin:"), &tally.source_origins},
          {std::string_view("target_origin:"), &tally.target_origins}}) {
      if (name.starts_with(prefix))
        ok = parse(value, (*origins)[std::string(name.substr(prefix.size()))]);
    }
    if (name == "divergence") {
      const auto a = value.find(':');
      const auto b = value.rfind(':');
      if (a == std::string_view::npos || a == b) return std::nullopt;
      Divergence d;
      const auto kind = value.substr(0, a);
      ok = parse_optional(value.substr(a + 1, b - a - 1), d.source_offset) &&
           parse_optional(value.substr(b + 1), d.target_offset);
      if (kind == "missing")
        d.kind = Divergence::Kind::missing;
      else if (kind == "extra")
        d.kind = Divergence::Kind::extra;
      else if (kind == "different")
        d.kind = Divergence::Kind::different;
      else
        ok = false;
      tally.divergences.push_back(d);
    }
    if (!ok) return std::nullopt;
  }
  return tally;
}

}  // namespace duplex::verify
