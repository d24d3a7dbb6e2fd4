// libFuzzer target: any bytes as a duplex.progress.<source> value (exactly-once). Progress
// that decodes must encode back to a value that decodes to the same progress.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "offsets/offset_records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace duplex::offsets;
  auto progress = decode_progress(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!progress) return 0;
  if (decode_progress(encode(*progress)) != progress) std::abort();
  (void)progress_key(progress->source_topic, progress->partition);
  return 0;
}
