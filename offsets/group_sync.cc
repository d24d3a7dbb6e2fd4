#include "offsets/group_sync.h"

namespace duplex::offsets {

kafka::GroupOffsets forward_moves(const kafka::GroupOffsets& translated,
                                  const kafka::GroupOffsets& current) {
  kafka::GroupOffsets forward;
  for (const auto& [tp, offset] : translated) {
    auto it = current.find(tp);
    if (it == current.end() || it->second < offset) forward[tp] = offset;
  }
  return forward;
}

}  // namespace duplex::offsets
