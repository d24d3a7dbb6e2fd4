#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/support/test_records.h"

namespace duplex::testing {

// Records written in east with every kind of `duplex.origin` a foreign producer may set, for a
// sidecar of west that copies east (README, "Loop prevention"): none, malformed (empty, not
// UTF-8, 10 KiB long), a region no config names, west (a loop) and east itself.
inline TestRecord record_from(const std::string& value,
                              std::optional<std::string> origin = std::nullopt) {
  TestRecord r;
  r.key = "key-" + value;
  r.value = value;
  r.timestamp = 1700000000000;
  if (origin) r.headers.emplace_back("duplex.origin", *origin);
  return r;
}

inline std::vector<TestRecord> records_with_bad_origins() {
  return {
      record_from("plain"),
      record_from("empty", ""),
      record_from("binary", std::string("\xff\xfe\x00", 3)),
      record_from("long", std::string(10 * 1024, 'w')),
      record_from("unknown", "atlantis"),
      record_from("looped", "west"),
      record_from("east", "east"),
  };
}

// What west holds of them, in order: each with one origin header, east.
inline std::vector<std::string> copied_of_bad_origins() {
  return {"plain", "empty", "binary", "long", "east"};
}
constexpr int kMalformedOfBadOrigins = 4;  // empty, binary, long and the unknown region

inline size_t origin_headers(const TestRecord& r) {
  size_t n = 0;
  for (const auto& [name, value] : r.headers) n += name == "duplex.origin";
  return n;
}

}  // namespace duplex::testing
