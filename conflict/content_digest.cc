#include "conflict/content_digest.h"

namespace duplex::conflict {

void ContentDigest::field(std::optional<std::string_view> bytes) {
  constexpr uint64_t kPrime = 1099511628211ull;
  auto mix = [&](unsigned char c) { hash_ = (hash_ ^ c) * kPrime; };
  // A null field hashes differently from an empty one; the length keeps fields apart.
  uint64_t length = bytes ? bytes->size() : ~uint64_t{0};
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(length >> (8 * i)));
  if (bytes) {
    for (char c : *bytes) mix(static_cast<unsigned char>(c));
  }
}

void ContentDigest::value(std::optional<std::string_view> value) {
  field(value);
}

void ContentDigest::header(std::string_view name, std::optional<std::string_view> value) {
  if (name == kRepairHeader) return;
  field(name);
  field(value);
}

}  // namespace duplex::conflict
