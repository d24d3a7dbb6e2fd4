#include "replicator/transactional_partition.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kafka/timestamps.h"
#include "offsets/offset_records.h"

namespace duplex::replicator {
namespace {

using Clock = std::chrono::steady_clock;

// A delivery report's opaque: the transaction's generation (high 32 bits) and the index of
// the copy in it; kInternal for offset-sync runs and progress records.
constexpr uint32_t kInternal = 0xffffffffu;

void* make_token(uint32_t generation, uint32_t index) {
  return reinterpret_cast<void*>((uint64_t{generation} << 32) | index);
}

bool is_fenced(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

// A record the target will never take, however often it is retried.
bool is_permanent(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return true;
    default:
      return false;
  }
}

std::string text_of(const rd_kafka_error_t* error) {
  return std::string(rd_kafka_error_name(error)) + ": " + rd_kafka_error_string(error);
}

}  // namespace

TransactionalPartition::TransactionalPartition(Settings settings, Sink sink)
    : settings_(std::move(settings)), sink_(sink), producer_(make_producer()) {}

kafka::HandlePtr TransactionalPartition::make_producer() {
  // The transaction timeout may be tuned per cluster (how long a crashed worker's open
  // transaction holds back read_committed consumers); no record may outlive its transaction.
  kafka::Properties props = {
      {"linger.ms", "5"},
      {"transaction.timeout.ms", std::to_string(settings_.transaction_timeout.count())}};
  for (const auto& [key, value] : settings_.target_props) props[key] = value;
  const int64_t transaction_ms = std::stoll(props["transaction.timeout.ms"]);
  auto message_ms = props.count("message.timeout.ms") ? std::stoll(props["message.timeout.ms"]) : 0;
  if (message_ms <= 0 || message_ms > transaction_ms) {
    props["message.timeout.ms"] = std::to_string(transaction_ms);
  }
  auto conf = kafka::make_conf(settings_.home, props,
                               {{"transactional.id", settings_.transactional_id},
                                {"enable.idempotence", "true"},
                                {"acks", "all"},
                                {"client.id", "duplex-txn-" + settings_.source_topic + "-" +
                                                  std::to_string(settings_.partition)}});
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  return kafka::make_client(settings_.home, RD_KAFKA_PRODUCER, std::move(conf));
}

TransactionalPartition::~TransactionalPartition() {
  request_stop(false);
  join();
}

kafka::KafkaError TransactionalPartition::fence(const std::atomic<bool>& stop) {
  for (int attempt = 1;; ++attempt) {
    kafka::ErrorPtr error(rd_kafka_init_transactions(producer_.get(), 10000));
    if (!error) return {};
    if (!rd_kafka_error_is_retriable(error.get()) || stop.load()) {
      return kafka::KafkaError(rd_kafka_error_code(error.get()), "initializing transactions of " +
                                                                     settings_.transactional_id +
                                                                     ": " + text_of(error.get()));
    }
    if (attempt == 1 || attempt % 10 == 0) {
      spdlog::warn("{}: initializing transactions, retrying: {}", settings_.transactional_id,
                   text_of(error.get()));
    }
  }
}

void TransactionalPartition::start(int64_t next_offset) {
  committed_next_ = next_offset;
  next_offset_ = next_offset;
  runs_.emplace(settings_.source_topic, settings_.target_topic, settings_.partition);
  committed_runs_ = runs_;
  thread_ = std::thread([this] { run(); });
}

void TransactionalPartition::push(kafka::MessagePtr message, kafka::HeadersPtr headers, bool copy) {
  const size_t bytes = message->len + message->key_len;
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    auto state = state_.load();
    if (state != State::running && state != State::rewinding) return;  // nobody copies it here
    was_empty = inbox_.empty();
    inbox_.push_back({std::move(message), std::move(headers), copy});
  }
  queued_bytes_ += bytes;
  queued_records_++;
  if (was_empty) wake_.notify_one();
}

std::optional<int64_t> TransactionalPartition::rewind_request() const {
  std::lock_guard lock(mutex_);
  return rewind_to_;
}

void TransactionalPartition::rewound() {
  {
    std::lock_guard lock(mutex_);
    inbox_.clear();  // read before the seek: the consumer delivers them again
    queued_bytes_ = 0;
    queued_records_ = 0;
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
    stopping_ = true;
  }
  wake_.notify_one();
}

void TransactionalPartition::join() {
  if (thread_.joinable()) thread_.join();
}

std::string TransactionalPartition::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

void TransactionalPartition::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message,
                                         void* opaque) {
  auto* self = static_cast<TransactionalPartition*>(opaque);
  auto token = reinterpret_cast<uint64_t>(message->_private);
  if (static_cast<uint32_t>(token >> 32) != self->generation_) return;  // an aborted one's
  if (message->err) {
    if (!self->delivery_error_) {
      self->delivery_error_ = message->err;
      self->delivery_error_detail_ = std::string(rd_kafka_topic_name(message->rkt)) + "[" +
                                     std::to_string(message->partition) +
                                     "]: " + rd_kafka_err2str(message->err);
    }
    return;
  }
  auto index = static_cast<uint32_t>(token);
  if (index != kInternal && index < self->copies_.size()) {
    self->copies_[index].target_offset = message->offset;
  }
}

void TransactionalPartition::run() {
  for (;;) {
    std::deque<Item> batch;
    bool stopping = false, commit_on_stop = false;
    {
      std::unique_lock lock(mutex_);
      auto until = in_transaction_ ? transaction_deadline_ : Clock::now() + std::chrono::seconds(1);
      wake_.wait_until(lock, until,
                       [&] { return stop_requested_ || (!inbox_.empty() && !rewind_to_); });
      stopping = stop_requested_;
      commit_on_stop = stop_commits_;
      if (!rewind_to_) batch.swap(inbox_);
    }
    for (auto& item : batch) {
      queued_bytes_ -= std::min<size_t>(queued_bytes_, item.message->len + item.message->key_len);
      queued_records_ -= std::min<size_t>(queued_records_, 1);
      if (state_ == State::running) write(item);
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
      commit(std::chrono::milliseconds::max());
    }
    rd_kafka_poll(producer_.get(), 0);
  }
}

void TransactionalPartition::write(Item& item) {
  const rd_kafka_message_t& m = *item.message;
  if (next_offset_ >= 0 && m.offset < next_offset_) return;  // already in this transaction
  if (first_offset_ < 0) first_offset_ = m.offset;
  if (!in_transaction_ && !begin()) return;
  next_offset_ = m.offset + 1;
  if (!item.copy) return;  // a loop: only the progress moves past it
  rd_kafka_timestamp_type_t ts_type;
  int64_t timestamp = std::max<int64_t>(0, rd_kafka_message_timestamp(&m, &ts_type));
  auto index = static_cast<uint32_t>(copies_.size());
  copies_.push_back({m.offset, -1, timestamp, m.len + m.key_len});
  for (int unknown_partition = 0;;) {
    auto err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(settings_.target_topic.c_str()),
        RD_KAFKA_V_PARTITION(m.partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(m.key, m.key_len), RD_KAFKA_V_VALUE(m.payload, m.len),
        RD_KAFKA_V_TIMESTAMP(timestamp), RD_KAFKA_V_HEADERS(item.headers.get()),
        RD_KAFKA_V_OPAQUE(make_token(generation_, index)), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      item.headers.release();  // the produced record owns them now
      break;
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 50);
      continue;
    }
    // The source grew and the flow has not grown the target yet: it does at its next refresh.
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION && unknown_partition++ < 60) {
      rd_kafka_poll(producer_.get(), 500);
      continue;
    }
    abort("could not write");
    end(State::failed, "cannot write " + settings_.source_topic + "[" +
                           std::to_string(m.partition) + "]@" + std::to_string(m.offset) + " to " +
                           settings_.target_topic + ": " + rd_kafka_err2str(err));
    return;
  }
  if (static_cast<int>(copies_.size()) >= settings_.max_records) {
    commit(std::chrono::milliseconds::max());
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
  transaction_deadline_ = Clock::now() + settings_.interval;
  return true;
}

bool TransactionalPartition::commit(std::chrono::milliseconds timeout) {
  const auto deadline = timeout == std::chrono::milliseconds::max() ? Clock::time_point::max()
                                                                    : Clock::now() + timeout;
  auto abort_wanted = [&] {
    std::lock_guard lock(mutex_);
    return stop_requested_ && !stop_commits_;  // lost: the next owner copies it
  };
  // 1. Every copy acknowledged: their target offsets make the offset-sync runs. Without a
  //    target this waits for message.timeout.ms, after which the reports carry the error.
  while (rd_kafka_outq_len(producer_.get()) > 0) {
    rd_kafka_flush(producer_.get(), 100);
    if (Clock::now() >= deadline || abort_wanted()) {
      abort("not acknowledged in time");
      return false;
    }
  }
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
  offsets::Progress progress{settings_.source_topic, settings_.partition, next_offset_,
                             kafka::now_ms()};
  if (!produce_internal(settings_.progress_topic,
                        offsets::progress_key(settings_.source_topic, settings_.partition),
                        offsets::encode(progress))) {
    return false;
  }
  // 2. EndTxn. A timeout leaves the commit running in the background: calling again resumes it.
  for (;;) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min(deadline - Clock::now(), Clock::duration(std::chrono::seconds(5))));
    kafka::ErrorPtr error(rd_kafka_commit_transaction(
        producer_.get(), static_cast<int>(std::max<int64_t>(1, remaining.count()))));
    if (!error) break;
    if (rd_kafka_error_txn_requires_abort(error.get())) {
      abort("committing: " + text_of(error.get()));
      return false;
    }
    if (rd_kafka_error_is_retriable(error.get()) && Clock::now() < deadline && !abort_wanted()) {
      continue;
    }
    if (rd_kafka_error_is_retriable(error.get())) {
      abort("committing: " + text_of(error.get()));
      return false;
    }
    producer_failed(rd_kafka_error_code(error.get()), "committing: " + text_of(error.get()));
    return false;
  }
  in_transaction_ = false;
  recoveries_ = 0;
  committed_next_ = next_offset_;
  committed_runs_ = runs_;
  const int64_t now = kafka::now_ms();
  size_t bytes = 0;
  for (const auto& copy : copies_) {
    bytes += copy.bytes;
    if (copy.timestamp > 0) {
      sink_.latency->Observe(std::max<int64_t>(0, now - copy.timestamp) / 1000.0);
    }
  }
  sink_.copied->Increment(static_cast<double>(copies_.size()));
  sink_.bytes->Increment(static_cast<double>(bytes));
  *sink_.records_copied += copies_.size();
  *sink_.bytes_copied += bytes;
  *sink_.offset_syncs += runs_written;
  copies_.clear();
  return true;
}

bool TransactionalPartition::produce_internal(const std::string& topic, const std::string& key,
                                              const std::string& value) {
  for (;;) {
    auto err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_OPAQUE(make_token(generation_, kInternal)), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 50);
      continue;
    }
    abort("could not write to " + topic);
    end(State::failed, "cannot write to " + topic + ": " + rd_kafka_err2str(err));
    return false;
  }
}

void TransactionalPartition::abort(const std::string& why) {
  if (!in_transaction_) return;
  for (int attempt = 0;; ++attempt) {
    kafka::ErrorPtr error(rd_kafka_abort_transaction(producer_.get(), 5000));
    if (!error) break;
    // Retriable while the target is away; a stopped partition gives up: its next owner's
    // fence() aborts the transaction, or the broker does after transaction.timeout.ms.
    bool stopping;
    {
      std::lock_guard lock(mutex_);
      stopping = stop_requested_;
    }
    if (rd_kafka_error_is_retriable(error.get()) && !(stopping && attempt >= 2)) continue;
    producer_failed(rd_kafka_error_code(error.get()),
                    "aborting a transaction (" + why + "): " + text_of(error.get()));
    return;
  }
  const int64_t from = rewind_to_committed();
  spdlog::warn("{} [{}]: transaction aborted ({}); copying again from offset {}",
               settings_.source_topic, settings_.partition, why, from);
}

int64_t TransactionalPartition::rewind_to_committed() {
  in_transaction_ = false;
  copies_.clear();
  runs_ = committed_runs_;
  next_offset_ = committed_next_;
  sink_.errors->Increment();
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
  if (++recoveries_ > 5) {
    end(State::failed, why);
    return;
  }
  spdlog::warn("{} [{}]: {}; replacing its producer and copying again from the stored progress",
               settings_.source_topic, settings_.partition, why);
  producer_.reset();
  producer_ = make_producer();
  if (auto err = fence(stopping_)) {
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
    spdlog::warn("{} [{}]: fenced, another worker owns it now: {}", settings_.source_topic,
                 settings_.partition, why);
  } else {
    spdlog::error("{} [{}]: {}", settings_.source_topic, settings_.partition, why);
  }
}

}  // namespace duplex::replicator
