#include "kafka/kafka_error.h"

#include "kafka/handles.h"

namespace duplex::kafka {

KafkaError KafkaError::from(rd_kafka_error_t* raw, const std::string& context) {
  ErrorPtr error(raw);
  if (!error) return {};
  return KafkaError(rd_kafka_error_code(error.get()),
                    context + ": " + rd_kafka_error_string(error.get()),
                    rd_kafka_error_is_fatal(error.get()), rd_kafka_error_is_retriable(error.get()),
                    rd_kafka_error_txn_requires_abort(error.get()));
}

KafkaError KafkaError::from(rd_kafka_resp_err_t code, const std::string& context) {
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  return KafkaError(code, context + ": " + rd_kafka_err2str(code));
}

}  // namespace duplex::kafka
