#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duplex::conflict {

// What a copy stage asks the home reader before deciding from the key index: whether the index
// holds every record of a partition of the home topic up to where that partition ended when
// the reader started it (a lost index is rebuilt first). Never a decision from a partial index.
// Thread-safe: copy loops ask from their own threads.
class IndexReadiness {
 public:
  virtual ~IndexReadiness() = default;
  // False while the reader catches up, or does not know the partition yet (it looks soon).
  virtual bool ready(std::string_view topic, int32_t partition) = 0;
  // Why the reader stopped for good (the index cannot be written, the home cluster refuses
  // repairs); nullopt while it runs.
  virtual std::optional<std::string> failure() const = 0;
};

}  // namespace duplex::conflict
