// The key index's cost, alone (no Kafka): N keys of 16 bytes written in batches of B (as a
// reader of the home topic would, one batch per poll), then random lookups of present keys and
// of absent ones. Prints rates, the process's resident memory against `index.memory`, the
// entry cache's bytes per entry (its estimate and what RSS says), and RocksDB's bytes per key
// on disk. Linked with jemalloc, as the duplex binary is.
//   duplex_key_index_bench [--keys N] [--batch B] [--memory SIZE] [--dir DIR]
// The entry cache alone is also measured holding all N keys (in a child process).
#include <jemalloc/jemalloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "config/size.h"
#include "conflict/key_index.h"

namespace {

using duplex::conflict::IndexEntry;
using duplex::conflict::KeyIndex;
using Clock = std::chrono::steady_clock;

// VmRSS or VmHWM of this process, in bytes.
uint64_t status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) << 10;
  }
  return 0;
}

uint64_t dir_bytes(const std::filesystem::path& dir) {
  uint64_t total = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) total += f.file_size();
  }
  return total;
}

// "key-" and 12 digits: 16 bytes.
std::string key_of(uint64_t i) {
  std::string key = "key-000000000000";
  for (size_t p = key.size(); p > 4 && i > 0; i /= 10) key[--p] = static_cast<char>('0' + i % 10);
  return key;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double mib(uint64_t bytes) {
  return static_cast<double>(bytes) / (1 << 20);
}

// The entry cache alone holding `keys` entries, in a child process so that the index's figures
// start clean: bytes per entry as estimated, and as RSS grew.
std::pair<double, double> entry_cache_alone(uint64_t keys) {
  int out[2];
  if (keys == 0 || pipe(out) != 0) return {0, 0};
  pid_t child = fork();
  if (child == 0) {
    uint64_t rss = status_bytes("VmRSS");
    duplex::conflict::EntryCache cache(uint64_t{1} << 40);
    IndexEntry entry{{1700000000000, 1}, 0, false, "us-east", 0};
    for (uint64_t i = 0; i < keys; ++i) {
      cache.put("k/orders" + std::string(1, '\0') + key_of(i), entry);
    }
    double figures[2] = {double(cache.bytes()) / keys, double(status_bytes("VmRSS") - rss) / keys};
    _exit(write(out[1], figures, sizeof figures) == sizeof figures ? 0 : 1);
  }
  double figures[2] = {0, 0};
  close(out[1]);
  if (read(out[0], figures, sizeof figures) != sizeof figures) figures[0] = figures[1] = 0;
  close(out[0]);
  waitpid(child, nullptr, 0);
  return {figures[0], figures[1]};
}

uint64_t jemalloc_stat(const char* name) {
  uint64_t epoch = 1;
  size_t size = sizeof epoch;
  mallctl("epoch", &epoch, &size, &epoch, size);
  size_t value = 0;
  size = sizeof value;
  return mallctl(name, &value, &size, nullptr, 0) == 0 ? value : 0;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  uint64_t keys = 0;
  uint64_t batch = 0;
  std::string memory_text;
  std::string dir;
  po::options_description options("duplex_key_index_bench");
  options.add_options()("keys", po::value(&keys)->default_value(1000000), "keys to insert")(
      "batch", po::value(&batch)->default_value(1000), "updates per atomic write")(
      "memory", po::value(&memory_text)->default_value("64MiB"), "index.memory")(
      "dir", po::value(&dir)->default_value("/tmp/duplex-key-index-bench"), "index.dir (wiped)");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  po::notify(vm);
  auto memory = duplex::config::parse_size(memory_text);
  if (!memory || batch == 0) {
    std::cerr << options;
    return 2;
  }
  std::filesystem::remove_all(dir);
  auto [cache_estimate, cache_rss] = entry_cache_alone(keys);
  uint64_t rss_before = status_bytes("VmRSS");
  auto opened = KeyIndex::open(dir, *memory);
  if (auto* error = std::get_if<duplex::conflict::IndexError>(&opened)) {
    std::cerr << error->message() << "\n";
    return 1;
  }
  auto index = std::move(std::get<std::unique_ptr<KeyIndex>>(opened));

  auto start = Clock::now();
  std::vector<KeyIndex::Update> updates;
  for (uint64_t i = 0; i < keys; ++i) {
    int64_t offset = static_cast<int64_t>(i);
    updates.push_back(
        {key_of(i), IndexEntry{{1700000000000 + offset, 1}, offset, false, "us-east", i}});
    if (updates.size() == batch || i + 1 == keys) {
      if (auto error = index->advance("orders", 0, offset + 1, updates)) {
        std::cerr << error.message() << "\n";
        return 1;
      }
      updates.clear();
    }
  }
  double insert_seconds = seconds_since(start);
  uint64_t rss_after_insert = status_bytes("VmRSS");

  std::mt19937_64 rng(42);
  const uint64_t lookups = std::min<uint64_t>(keys, 200000);
  start = Clock::now();
  uint64_t found = 0;
  for (uint64_t i = 0; i < lookups; ++i) {
    auto got = index->get("orders", key_of(rng() % keys));
    found += std::holds_alternative<std::optional<IndexEntry>>(got) &&
             std::get<std::optional<IndexEntry>>(got).has_value();
  }
  double present_seconds = seconds_since(start);
  start = Clock::now();
  for (uint64_t i = 0; i < lookups; ++i) index->get("orders", key_of(keys + rng() % keys));
  double absent_seconds = seconds_since(start);
  auto after = index->stats();
  uint64_t rss_end = status_bytes("VmRSS");
  uint64_t allocated = jemalloc_stat("stats.allocated");
  uint64_t resident = jemalloc_stat("stats.resident");
  index.reset();  // closes the store: the disk figure is then its files'

  printf("keys %llu of 16 bytes, batch %llu, index.memory %s\n", (unsigned long long)keys,
         (unsigned long long)batch, memory_text.c_str());
  printf("insert            %10.0f keys/s (%.2f s)\n", keys / insert_seconds, insert_seconds);
  printf("lookup present    %10.0f keys/s (%llu of %llu found)\n", lookups / present_seconds,
         (unsigned long long)found, (unsigned long long)lookups);
  printf("lookup absent     %10.0f keys/s\n", lookups / absent_seconds);
  printf("entry cache       %llu entries, %.1f MiB, %.0f bytes/entry (estimate)\n",
         (unsigned long long)after.cached_entries, mib(after.cache_bytes),
         after.cached_entries ? double(after.cache_bytes) / after.cached_entries : 0.0);
  printf("rocksdb caches    %.1f MiB (block cache incl. memtables)\n", mib(after.store_bytes));
  printf("jemalloc at end   %.1f MiB allocated, %.1f MiB resident\n", mib(allocated),
         mib(resident));
  printf("rss               %.1f MiB before open, %.1f after insert, %.1f at end, peak %.1f\n",
         mib(rss_before), mib(rss_after_insert), mib(rss_end), mib(status_bytes("VmHWM")));
  printf("entry cache alone %.0f bytes/entry estimated, %.0f by RSS (all %llu keys cached)\n",
         cache_estimate, cache_rss, (unsigned long long)keys);
  printf("disk              %.1f MiB, %.1f bytes/key\n", mib(dir_bytes(dir)),
         double(dir_bytes(dir)) / keys);
  std::filesystem::remove_all(dir);
  return 0;
}
