// TransactionalPartition, continued: how a transaction ends (steps 3 to 5: every copy
// acknowledged, the offset-sync runs and the progress written, EndTxn) and what a failure does
// instead (abort and rewind to the stored progress, a replaced producer, the partition's end).
#include <spdlog/spdlog.h>

#include "kafka/timestamps.h"
#include "offsets/offset_records.h"
#include "replicator/transactional_partition.h"
#include "replicator/transactional_producer.h"

namespace duplex::replicator {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long one EndTxn call may wait before the deadline is looked at again.
constexpr milliseconds kEndTxnSlice{1000};
constexpr milliseconds kAbortTimeout{5000};
constexpr milliseconds kAbortTimeoutWhenStopping{2000};
// Producers replaced since the last commit before the partition gives up (exit 1).
constexpr int kMaxRecoveries = 5;

}  // namespace

bool TransactionalPartition::commit(milliseconds timeout) {
  const auto deadline =
      timeout == milliseconds::max() ? Clock::time_point::max() : Clock::now() + timeout;
  // 1. Every copy acknowledged: their target offsets make the offset-sync runs.
  if (!await_acknowledged(deadline)) return false;
  char fatal[256];
  if (auto err = rd_kafka_fatal_error(producer_.get(), fatal, sizeof fatal)) {
    producer_failed(err, fatal);
    return false;
  }
  if (delivery_error_) {
    std::string why = "the target rejected a record of " + delivery_error_detail_;
    bool permanent = is_permanent(delivery_error_);
    abort(why);
    if (permanent) end(State::failed, why);
    return false;
  }
  for (const auto& copy : copies_) {
    runs_->add(copy.source_offset, copy.target_offset, copy.timestamp);
  }
  size_t runs_written = 0;
  for (const auto& run : runs_->take_changed()) {
    if (!produce_internal(settings_.offset_syncs_topic, offsets::run_key(run),
                          offsets::encode(run))) {
      return false;
    }
    runs_written++;
  }
  // 2. The progress, last: a transaction that holds it holds everything before it.
  offsets::Progress progress{settings_.source.topic, settings_.source.partition, next_offset_,
                             kafka::now_ms()};
  if (!produce_internal(settings_.progress_topic,
                        offsets::progress_key(settings_.source.topic, settings_.source.partition),
                        offsets::encode(progress))) {
    return false;
  }
  // 3. The commit, within the deadline (or the stop's, when a stop comes meanwhile).
  if (!end_transaction(deadline)) return false;
  count_committed(runs_written);
  return true;
}

bool TransactionalPartition::await_acknowledged(Clock::time_point deadline) {
  // Without a target this would wait for message.timeout.ms, after which the reports carry
  // the error: the deadline comes first.
  while (rd_kafka_outq_len(producer_.get()) > 0) {
    rd_kafka_flush(producer_.get(), 100);
    answered_.release();
    if (Clock::now() >= bounded_by_stop(deadline) || abort_wanted()) {
      abort("not acknowledged in time");
      return false;
    }
  }
  dead_letter_units_.release();  // every report is in
  return true;
}

bool TransactionalPartition::end_transaction(Clock::time_point deadline) {
  // A timeout leaves the commit running in the background: calling again resumes it.
  for (;;) {
    deadline = bounded_by_stop(deadline);
    auto slice = std::chrono::duration_cast<milliseconds>(
        std::min(deadline - Clock::now(), Clock::duration(kEndTxnSlice)));
    kafka::ErrorPtr error(rd_kafka_commit_transaction(
        producer_.get(), static_cast<int>(std::max<int64_t>(1, slice.count()))));
    if (!error) return true;
    const bool retriable = rd_kafka_error_is_retriable(error.get());
    if (rd_kafka_error_txn_requires_abort(error.get())) {
      abort("committing: " + text_of(error.get()));
      return false;
    }
    if (retriable && Clock::now() < deadline && !abort_wanted()) continue;
    if (retriable) {
      abort("committing: " + text_of(error.get()));
    } else {
      producer_failed(rd_kafka_error_code(error.get()), "committing: " + text_of(error.get()));
    }
    return false;
  }
}

void TransactionalPartition::count_committed(size_t runs) {
  in_transaction_ = false;
  recoveries_ = 0;
  committed_next_ = next_offset_;
  if (!copies_.empty()) runs_->transaction_committed();  // a marker follows them on the target
  committed_runs_ = runs_;
  const int64_t now = kafka::now_ms();
  size_t bytes = 0;
  for (const auto& copy : copies_) {
    bytes += copy.bytes;
    metrics_.latency(copy.timestamp, now);
  }
  metrics_.copied(topic_, copies_.size(), bytes);
  if (dead_letters_ > 0) metrics_.dead_lettered(topic_, dead_letters_);
  metrics_.offset_syncs(runs);
  copies_.clear();
  dead_letters_ = 0;
}

void TransactionalPartition::abort(const std::string& why) {
  if (!in_transaction_) return;
  for (;;) {
    const auto timeout = stopping_ ? kAbortTimeoutWhenStopping : kAbortTimeout;
    kafka::ErrorPtr error(
        rd_kafka_abort_transaction(producer_.get(), static_cast<int>(timeout.count())));
    if (!error) break;
    if (stopping_) {
      // Nothing of it is visible, and its next owner's fence aborts it (or the broker does
      // after transaction.timeout.ms): a stop does not wait for the target.
      spdlog::warn("{}: stopping with a transaction not aborted ({}): {}",
                   to_string(settings_.source), why, text_of(error.get()));
      rewind_to_committed();
      return;
    }
    if (rd_kafka_error_is_retriable(error.get())) continue;  // the target is away: again
    producer_failed(rd_kafka_error_code(error.get()),
                    "aborting a transaction (" + why + "): " + text_of(error.get()));
    return;
  }
  const int64_t from = rewind_to_committed();
  spdlog::warn("{}: transaction aborted ({}); copying again from offset {}",
               to_string(settings_.source), why, from);
}

int64_t TransactionalPartition::rewind_to_committed() {
  in_transaction_ = false;
  batch_void_ = true;
  abandoned_ = copies_.size() + dead_letters_;
  copies_.clear();
  dead_letters_ = 0;
  answered_.release();
  dead_letter_units_.release();
  runs_ = committed_runs_;
  next_offset_ = committed_next_;
  metrics_.error("transaction");
  const int64_t from = committed_next_ >= 0 ? committed_next_.load() : first_offset_;
  std::lock_guard lock(mutex_);
  if (!stop_requested_) {
    rewind_to_ = from;
    state_ = State::rewinding;
  }
  return from;
}

void TransactionalPartition::producer_failed(rd_kafka_resp_err_t code, const std::string& why) {
  if (is_fenced(code)) {
    end(State::fenced, why);
    return;
  }
  // Any other fatal error leaves the partition ours: e.g. the coordinator aborted a transaction
  // that outlived transaction.timeout.ms while the target was away, and the producer can only
  // be replaced. A new producer with the same id fences the old one; copying resumes from the
  // stored progress. A partition that keeps failing stops the process (exit 1).
  if (++recoveries_ > kMaxRecoveries) {
    end(State::failed, why);
    return;
  }
  spdlog::warn("{}: {}; replacing its producer and copying again from the stored progress",
               to_string(settings_.source), why);
  close_producer();
  open_producer();
  if (auto err = fence(Clock::now() + settings_.transaction.fence_timeout, stopping_)) {
    end(State::failed, err.message());
    return;
  }
  rewind_to_committed();
}

void TransactionalPartition::end(State state, const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    if (failure_.empty()) failure_ = why;
    state_ = state;
  }
  if (state == State::fenced) {
    spdlog::warn("{}: fenced, another worker owns it now: {}", to_string(settings_.source), why);
  } else {
    spdlog::error("{}: {}", to_string(settings_.source), why);
  }
}

}  // namespace duplex::replicator
