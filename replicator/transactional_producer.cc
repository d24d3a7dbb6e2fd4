#include "replicator/transactional_producer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace duplex::replicator {
namespace {

using std::chrono::milliseconds;

// One InitProducerId attempt: short, so a cancelled fence returns soon; an attempt that times
// out goes on in the background and the next call resumes it.
constexpr milliseconds kFenceAttempt{2000};

}  // namespace

kafka::HandlePtr make_transactional_producer(
    const std::string& home, const kafka::Properties& home_props,
    const config::TransactionSettings& transaction, const std::string& transactional_id,
    const std::string& client_id,
    void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*), void* opaque) {
  kafka::Properties props = {
      {"linger.ms", "5"}, {"transaction.timeout.ms", std::to_string(transaction.timeout.count())}};
  for (const auto& [key, value] : home_props) props[key] = value;
  const int64_t transaction_ms = std::stoll(props["transaction.timeout.ms"]);
  auto message_ms = props.count("message.timeout.ms") ? std::stoll(props["message.timeout.ms"]) : 0;
  if (message_ms <= 0 || message_ms > transaction_ms) {
    props["message.timeout.ms"] = std::to_string(transaction_ms);
  }
  auto conf = kafka::make_conf(home, props,
                               {{"transactional.id", transactional_id},
                                {"enable.idempotence", "true"},
                                {"acks", "all"},
                                {"client.id", client_id}});
  rd_kafka_conf_set_opaque(conf.get(), opaque);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  return kafka::make_client(home, RD_KAFKA_PRODUCER, std::move(conf));
}

kafka::KafkaError fence_earlier_owners(rd_kafka_t* producer, const std::string& transactional_id,
                                       std::chrono::steady_clock::time_point deadline,
                                       const std::atomic<bool>& cancel) {
  const std::string what = "fencing the earlier owners of " + transactional_id;
  for (int attempt = 1;; ++attempt) {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    kafka::ErrorPtr error(rd_kafka_init_transactions(
        producer, static_cast<int>(std::clamp(left, milliseconds(1), kFenceAttempt).count())));
    if (!error) return {};
    const auto code = rd_kafka_error_code(error.get());
    if (!rd_kafka_error_is_retriable(error.get())) {
      return kafka::KafkaError(code, what + ": " + text_of(error.get()));
    }
    if (cancel.load()) return kafka::KafkaError(RD_KAFKA_RESP_ERR__DESTROY, what + ": cancelled");
    if (std::chrono::steady_clock::now() >= deadline) {
      return kafka::KafkaError(code, what +
                                         ": not done in time; is the home cluster's "
                                         "transaction coordinator reachable? Last error: " +
                                         text_of(error.get()));
    }
    if (attempt == 1 || attempt % 10 == 0) {
      spdlog::warn("{}: {}, retrying", what, text_of(error.get()));
    }
  }
}

bool is_fenced(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

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

}  // namespace duplex::replicator
