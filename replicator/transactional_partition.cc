#include "replicator/transactional_partition.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "kafka/produce.h"
#include "kafka/timestamps.h"
#include "offsets/offset_records.h"
#include "replicator/dead_letter.h"
#include "replicator/transactional_producer.h"

namespace duplex::replicator {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A delivery report's opaque: the transaction's generation (high 32 bits) and the index of
// the copy in it; kInternal for offset-sync runs and progress records.
constexpr uint32_t kInternal = 0xffffffffu;
// A source that grew before the flow grew the target: wait this often, this long, for it.
constexpr milliseconds kUnknownPartitionWait{500};
constexpr int kUnknownPartitionRetries = 60;

void* make_token(uint32_t generation, uint32_t index) {
  return reinterpret_cast<void*>((uint64_t{generation} << 32) | index);
}

}  // namespace

TransactionalPartition::TransactionalPartition(Settings settings, FlowMetrics& metrics,
                                               const TopicMetrics& topic)
    : settings_(std::move(settings)), metrics_(metrics), topic_(topic) {
  open_producer();
}

void TransactionalPartition::open_producer() {
  producer_ = make_producer();
  // By handle: by name, librdkafka looks the topic up under its client-wide lock per record.
  target_.reset(rd_kafka_topic_new(producer_.get(), settings_.target_topic.c_str(), nullptr));
  if (!target_) {
    throw std::runtime_error("cluster " + settings_.home + ": topic " + settings_.target_topic +
                             ": " + rd_kafka_err2str(rd_kafka_last_error()));
  }
  reports_queue_.reset(rd_kafka_queue_get_main(producer_.get()));
  rd_kafka_queue_cb_event_enable(reports_queue_.get(), on_reports, this);
}

void TransactionalPartition::close_producer() {
  if (reports_queue_) {
    // Under the queue's lock, as the callback runs: none runs once this returns.
    rd_kafka_queue_cb_event_enable(reports_queue_.get(), nullptr, nullptr);
    reports_queue_.reset();
  }
  target_.reset();
  producer_.reset();
}

kafka::HandlePtr TransactionalPartition::make_producer() {
  return make_transactional_producer(
      settings_.home, settings_.target_props, settings_.transaction, settings_.transactional_id,
      "duplex-txn-" + settings_.source.topic + "-" + std::to_string(settings_.source.partition),
      on_delivery, this);
}

TransactionalPartition::~TransactionalPartition() {
  request_stop(false);
  join();
  close_producer();  // before mutex_ and wake_ go: on_reports takes them
}

void TransactionalPartition::on_reports(rd_kafka_t*, void* opaque) {
  // On a librdkafka thread, with the queue locked: only wake the partition's thread.
  auto* self = static_cast<TransactionalPartition*>(opaque);
  {
    std::lock_guard lock(self->mutex_);
    self->reports_waiting_ = true;
  }
  self->wake_.notify_one();
}

kafka::KafkaError TransactionalPartition::fence(Clock::time_point deadline,
                                                const std::atomic<bool>& cancel) {
  return fence_earlier_owners(producer_.get(), settings_.transactional_id, deadline, cancel);
}

void TransactionalPartition::start(int64_t next_offset) {
  committed_next_ = next_offset;
  next_offset_ = next_offset;
  runs_.emplace(settings_.source.topic, settings_.target_topic, settings_.source.partition);
  committed_runs_ = runs_;
  thread_ = std::thread([this] { run(); });
}

void TransactionalPartition::push(SourceRecord record, kafka::HeadersPtr headers, bool copy,
                                  InflightBudget::Units units) {
  enqueue({std::move(record), std::move(headers), copy, std::move(units)});
}

void TransactionalPartition::push_dead_letter(SourceRecord record, kafka::HeadersPtr headers,
                                              bool metadata_only, InflightBudget::Units units) {
  enqueue({std::move(record), std::move(headers), false, std::move(units), true, metadata_only});
}

void TransactionalPartition::enqueue(Item item) {
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    auto state = state_.load();
    if (state != State::running && state != State::rewinding) return;  // nobody copies it here
    was_empty = inbox_.empty();
    inbox_.push_back(std::move(item));
  }
  if (was_empty) wake_.notify_one();
}

std::optional<int64_t> TransactionalPartition::rewind_request() const {
  std::lock_guard lock(mutex_);
  return rewind_to_;
}

void TransactionalPartition::rewound() {
  {
    std::lock_guard lock(mutex_);
    inbox_.clear();  // read before the seek: the source delivers them again
    rewind_to_.reset();
    if (state_ == State::rewinding) state_ = State::running;
  }
  wake_.notify_one();
}

void TransactionalPartition::request_stop(bool commit) {
  {
    std::lock_guard lock(mutex_);
    if (stop_requested_) return;
    stop_requested_ = true;
    stop_commits_ = commit;
    stop_deadline_ = Clock::now() + settings_.stop_timeout;
    stopping_ = true;
  }
  wake_.notify_one();
}

Clock::time_point TransactionalPartition::bounded_by_stop(Clock::time_point deadline) const {
  std::lock_guard lock(mutex_);
  return std::min(deadline, stop_deadline_);
}

void TransactionalPartition::join() {
  if (thread_.joinable()) thread_.join();
}

size_t TransactionalPartition::uncommitted() const {
  std::lock_guard lock(mutex_);
  return inbox_.size() + abandoned_;
}

std::string TransactionalPartition::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

bool TransactionalPartition::abort_wanted() const {
  std::lock_guard lock(mutex_);
  return stop_requested_ && !stop_commits_;  // lost: the next owner copies it
}

void TransactionalPartition::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message,
                                         void* opaque) {
  auto* self = static_cast<TransactionalPartition*>(opaque);
  auto token = reinterpret_cast<uint64_t>(message->_private);
  if (static_cast<uint32_t>(token >> 32) != self->generation_) return;  // an aborted one's
  auto index = static_cast<uint32_t>(token);
  const bool copy = index != kInternal && index < self->copies_.size();
  // Answered: librdkafka let go of its copy, so the budget gets the record's share back (the
  // transaction may still abort: then the record is read again, with new units).
  if (copy) self->answered_.absorb(std::move(self->copies_[index].units));
  if (message->err) {
    if (!self->delivery_error_) {
      self->delivery_error_ = message->err;
      self->delivery_error_detail_ = std::string(rd_kafka_topic_name(message->rkt)) + "[" +
                                     std::to_string(message->partition) +
                                     "]: " + rd_kafka_err2str(message->err);
    }
    return;
  }
  if (copy) self->copies_[index].target_offset = message->offset;
}

void TransactionalPartition::run() {
  std::vector<Item> batch;
  for (;;) {
    batch.clear();  // its records' budget units go back here unless written
    bool stopping = false, commit_on_stop = false;
    {
      std::unique_lock lock(mutex_);
      auto until = in_transaction_ ? transaction_deadline_ : Clock::now() + std::chrono::seconds(1);
      wake_.wait_until(lock, until, [&] {
        return stop_requested_ || reports_waiting_ || (!inbox_.empty() && !rewind_to_);
      });
      reports_waiting_ = false;  // served below: the next report after that wakes it again
      stopping = stop_requested_;
      commit_on_stop = stop_commits_;
      if (!rewind_to_) batch.swap(inbox_);
    }
    // After an abort the rest of the batch is void: it is read again from the stored progress
    // (or, when stopping, by the next owner). Writing it would leave a gap.
    batch_void_ = false;
    for (auto& item : batch) {
      if (state_ != State::running || batch_void_) break;
      write(item);
    }
    if (state_ == State::fenced || state_ == State::failed) return;
    if (stopping) {
      if (in_transaction_) {
        if (commit_on_stop) {
          commit(settings_.stop_timeout);
        } else {
          abort("the partition was lost");
        }
      }
      if (state_ != State::fenced && state_ != State::failed) state_ = State::stopped;
      return;
    }
    if (in_transaction_ && state_ == State::running && Clock::now() >= transaction_deadline_) {
      commit(milliseconds::max());
    }
    rd_kafka_poll(producer_.get(), 0);
    answered_.release();
  }
}

void TransactionalPartition::write(Item& item) {
  const SourceRecord& r = item.record;
  if (next_offset_ >= 0 && r.offset < next_offset_) return;  // already in this transaction
  if (first_offset_ < 0) first_offset_ = r.offset;
  if (!in_transaction_ && !begin()) return;
  next_offset_ = r.offset + 1;
  if (item.dead_letter) {
    write_dead_letter(item);
    return;
  }
  if (!item.copy) return;  // skipped: only the progress moves past it
  const auto index = static_cast<uint32_t>(copies_.size());
  copies_.push_back({r.offset, -1, r.timestamp, r.size(), std::move(item.units)});
  const kafka::OutgoingRecord out{.topic_handle = target_.get(),
                                  .partition = r.partition,
                                  .key = r.key,
                                  .key_len = r.key_len,
                                  .value = r.value,
                                  .value_len = r.value_len,
                                  .timestamp = r.timestamp,
                                  .opaque = make_token(generation_, index)};
  for (int unknown_partition = 0;;) {
    auto err = kafka::produce(producer_.get(), out, item.headers, &stopping_);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    // The source grew and the flow has not grown the target yet: it does at its next refresh.
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION &&
        unknown_partition++ < kUnknownPartitionRetries && !stopping_) {
      rd_kafka_poll(producer_.get(), static_cast<int>(kUnknownPartitionWait.count()));
      continue;
    }
    abort("could not write");                    // this record and the rest are read again
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {  // full only when stopping
      end(State::failed, "cannot write " + to_string(settings_.source) + "@" +
                             std::to_string(r.offset) + " to " + settings_.target_topic + ": " +
                             rd_kafka_err2str(err));
    }
    return;
  }
  if (static_cast<int>(copies_.size()) >= settings_.transaction.max_records) {
    commit(milliseconds::max());
  }
}

void TransactionalPartition::write_dead_letter(Item& item) {
  const SourceRecord& r = item.record;
  const std::string topic(kDeadLetterTopic);
  const kafka::OutgoingRecord out{nullptr,
                                  topic.c_str(),
                                  0,
                                  item.metadata_only ? nullptr : r.key,
                                  item.metadata_only ? 0 : r.key_len,
                                  item.metadata_only ? nullptr : r.value,
                                  item.metadata_only ? 0 : r.value_len,
                                  r.timestamp,
                                  make_token(generation_, kInternal)};
  auto err = kafka::produce(producer_.get(), out, item.headers, &stopping_);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    dead_letters_++;
    dead_letter_units_.absorb(std::move(item.units));  // back once acknowledged, as a copy's
    return;
  }
  abort("could not write to " + topic);        // this record and the rest are read again
  if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {  // full only when stopping
    end(State::failed, "cannot write the dead letter of " + to_string(settings_.source) + "@" +
                           std::to_string(r.offset) + " to " + topic + ": " +
                           rd_kafka_err2str(err));
  }
}

bool TransactionalPartition::begin() {
  kafka::ErrorPtr error(rd_kafka_begin_transaction(producer_.get()));
  if (error) {
    producer_failed(rd_kafka_error_code(error.get()),
                    "beginning a transaction: " + text_of(error.get()));
    return false;
  }
  generation_++;
  in_transaction_ = true;
  delivery_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  transaction_deadline_ = Clock::now() + settings_.transaction.interval;
  return true;
}

bool TransactionalPartition::produce_internal(const std::string& topic, const std::string& key,
                                              const std::string& value) {
  const kafka::OutgoingRecord out{nullptr,
                                  topic.c_str(),
                                  0,
                                  key.data(),
                                  key.size(),
                                  value.data(),
                                  value.size(),
                                  0,
                                  make_token(generation_, kInternal)};
  auto err = kafka::produce(producer_.get(), out, &stopping_);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  abort("could not write to " + topic);
  if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {  // full only when stopping
    end(State::failed, "cannot write to " + topic + ": " + rd_kafka_err2str(err));
  }
  return false;
}

}  // namespace duplex::replicator
