#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

namespace duplex::kafka {

// A Kafka error with its code, a message that names what failed, and librdkafka's flags.
// A default-constructed KafkaError means success; it converts to false.
class KafkaError {
 public:
  KafkaError() = default;
  KafkaError(rd_kafka_resp_err_t code, std::string message, bool fatal = false,
             bool retriable = false, bool txn_requires_abort = false)
      : code_(code),
        message_(std::move(message)),
        fatal_(fatal),
        retriable_(retriable),
        txn_requires_abort_(txn_requires_abort) {}

  // Takes ownership of `error` (may be null: success), prefixing its text with `context`.
  static KafkaError from(rd_kafka_error_t* error, const std::string& context);
  static KafkaError from(rd_kafka_resp_err_t code, const std::string& context);

  explicit operator bool() const { return code_ != RD_KAFKA_RESP_ERR_NO_ERROR; }
  rd_kafka_resp_err_t code() const { return code_; }
  const std::string& message() const { return message_; }
  bool fatal() const { return fatal_; }
  bool retriable() const { return retriable_; }
  bool txn_requires_abort() const { return txn_requires_abort_; }

 private:
  rd_kafka_resp_err_t code_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message_;
  bool fatal_ = false;
  bool retriable_ = false;
  bool txn_requires_abort_ = false;
};

}  // namespace duplex::kafka
