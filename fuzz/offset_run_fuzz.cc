// libFuzzer target: any bytes as a duplex.offset-syncs.<source> value. A run that decodes must
// encode back to a value that decodes to the same run, and its ends (which offset translation
// computes) must be representable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "offsets/offset_records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace duplex::offsets;
  auto run = decode_run(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!run) return 0;
  if (decode_run(encode(*run)) != run) std::abort();
  (void)run_key(*run);
  // UBSan reports a signed overflow here.
  if (run->source_end() <= run->source || run->target_end() <= run->target) std::abort();
  return 0;
}
