// Writes the seed corpus of the record fuzzers from the encoders, one file per value:
//   duplex_fuzz_seeds DIR   ->  DIR/offset_run/*, DIR/checkpoint/*, DIR/progress/*
// The committed corpus (fuzz/corpus/) is its output; the fuzz_seeds test checks it still is.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "offsets/offset_records.h"

namespace {

using namespace duplex::offsets;
namespace fs = std::filesystem;

bool write(const fs::path& dir, const std::string& name, const std::string& value) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out << value;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: duplex_fuzz_seeds DIR\n";
    return 2;
  }
  const fs::path root = argv[1];
  bool ok = true;

  ok &= write(root / "offset_run", "first", encode(OffsetRun{"orders", "orders", 0, 0, 0, 1, 0}));
  ok &= write(root / "offset_run", "shifted",
              encode(OffsetRun{"orders", "east.orders", 3, 1200, 1187, 500, 1780000000123}));
  ok &= write(root / "offset_run", "after_marker",
              encode(OffsetRun{"orders", "orders", 1, 40, 44, 10, 1780000000123, true}));

  Checkpoint checkpoint{.group = "payments",
                        .source_topic = "orders",
                        .target_topic = "orders",
                        .partition = 3,
                        .upstream = 1200,
                        .target = 1187,
                        .copied_target = 1187,
                        .local_target = 1190,
                        .time_ms = 1780000000500,
                        .source_end = 1300,
                        .copied_end = 1250,
                        .at_risk_since = 1780000000123,
                        .local_rereads = 2};
  ok &= write(root / "checkpoint", "v2", encode(checkpoint));
  checkpoint.group = "group with spaces";
  checkpoint.source_end = -1;  // the source's end unknown
  checkpoint.local_rereads.reset();
  ok &= write(root / "checkpoint", "v2_unknown", encode(checkpoint));
  // Version 1 had no local_rereads field: written by hand, as no encoder writes it any more.
  ok &=
      write(root / "checkpoint", "v1",
            "1 1780000000500 orders orders 3 1200 1187 1187 1190 1300 1250 1780000000123 payments");

  ok &= write(root / "progress", "start", encode(Progress{"orders", 0, 0, 1780000000000}));
  ok &=
      write(root / "progress", "later", encode(Progress{"east.orders", 7, 123456, 1780000000999}));

  if (!ok) {
    std::cerr << "duplex_fuzz_seeds: could not write under " << root << "\n";
    return 1;
  }
  return 0;
}
