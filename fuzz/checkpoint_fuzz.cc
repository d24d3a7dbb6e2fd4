// libFuzzer target: any bytes as a duplex.checkpoints.<source> value. A checkpoint that
// decodes must encode back to a value that decodes to the same checkpoint, and `duplex
// failover` must be able to plan its move (ages, records not copied, RPO).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "offsets/failover.h"
#include "offsets/offset_records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace duplex::offsets;
  auto checkpoint = decode_checkpoint(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!checkpoint) return 0;
  if (decode_checkpoint(encode(*checkpoint)) != checkpoint) std::abort();
  (void)checkpoint_key(*checkpoint);
  // At a wall clock of 2026; UBSan reports a signed overflow.
  (void)plan_move(*checkpoint, 1'780'000'000'000);
  return 0;
}
