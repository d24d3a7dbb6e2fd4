#pragma once
// A Sink that records what the copy loop does to it and sends the events a test scripts: a
// partition ready later, a rewind, a fencing, a failure. What it takes counts as committable
// only when the test says so.

#include <map>
#include <set>
#include <vector>

#include "kafka/record_headers.h"
#include "replicator/sink.h"

namespace duplex::replicator::testing {

class FakeSink : public Sink {
 public:
  struct Write {
    PartitionId id;
    int64_t offset;
    bool copy;
  };
  struct DeadLetter {
    PartitionId id;
    int64_t offset;
    std::map<std::string, std::string> headers;
    bool metadata_only;
  };

  bool ready_at_open = true;
  std::vector<SinkPartition> opened;
  std::vector<Write> writes;
  std::vector<DeadLetter> dead_letters;
  std::vector<PartitionId> rewound_ids;
  std::set<PartitionId> finished, closed;
  std::map<PartitionId, int64_t> committable_at;
  std::vector<SinkEvent> events;  // handed out at the next take_events()

  std::vector<int64_t> offsets_written(PartitionId id) const {
    std::vector<int64_t> out;
    for (const auto& w : writes) {
      if (w.id == id) out.push_back(w.offset);
    }
    return out;
  }

  bool open(const SinkPartition& partition) override {
    opened.push_back(partition);
    return ready_at_open;
  }
  kafka::KafkaError write(PartitionId id, SourceRecord record, kafka::HeadersPtr, bool copy,
                          InflightBudget::Units) override {
    writes.push_back({id, record.offset, copy});
    return {};
  }
  kafka::KafkaError write_dead_letter(PartitionId id, SourceRecord record,
                                      kafka::HeadersPtr headers, bool metadata_only,
                                      InflightBudget::Units) override {
    DeadLetter letter{id, record.offset, {}, metadata_only};
    kafka::for_each_header(headers.get(),
                           [&](std::string_view name, std::optional<std::string_view> value) {
                             letter.headers[std::string(name)] = std::string(value.value_or(""));
                           });
    dead_letters.push_back(std::move(letter));
    return {};
  }
  void serve(std::chrono::milliseconds) override {}
  std::vector<SinkEvent> take_events() override { return std::exchange(events, {}); }
  void tick() override {}
  std::optional<int64_t> committable(PartitionId id) const override {
    auto it = committable_at.find(id);
    return it == committable_at.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }
  std::optional<int64_t> acknowledged(PartitionId id) const override { return committable(id); }
  void rewound(PartitionId id) override { rewound_ids.push_back(id); }
  size_t finish(const std::vector<PartitionId>& ids, std::chrono::milliseconds) override {
    finished.insert(ids.begin(), ids.end());
    return 0;
  }
  void close(const std::vector<PartitionId>& ids) override {
    closed.insert(ids.begin(), ids.end());
  }
};

}  // namespace duplex::replicator::testing
