#include "kafka/admin_request.h"

namespace duplex::kafka {

AdminOptionsPtr admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                              std::chrono::milliseconds timeout) {
  AdminOptionsPtr opts(rd_kafka_AdminOptions_new(rk, op));
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(opts.get(), static_cast<int>(timeout.count()), err,
                                            sizeof err);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
    rd_kafka_AdminOptions_set_operation_timeout(opts.get(), static_cast<int>(timeout.count()), err,
                                                sizeof err);
  }
  return opts;
}

Result<EventPtr> await_admin(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                             const std::string& cluster, const std::string& what,
                             const std::atomic<bool>* stop) {
  // A little more than the request timeout, so librdkafka reports its own timeout first.
  auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(2);
  EventPtr event;
  while (!event && std::chrono::steady_clock::now() < deadline) {
    if (stop && stop->load()) {
      return KafkaError(RD_KAFKA_RESP_ERR__DESTROY,
                        "cluster " + cluster + ": " + what + ": given up, stopping");
    }
    event.reset(rd_kafka_queue_poll(queue, 200));
  }
  if (!event) {
    return KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "cluster " + cluster + ": " + what +
                                                        ": no answer (does the cluster support "
                                                        "the Admin API?)");
  }
  if (auto err = rd_kafka_event_error(event.get())) {
    return KafkaError(
        err, "cluster " + cluster + ": " + what + ": " + rd_kafka_event_error_string(event.get()));
  }
  return event;
}

}  // namespace duplex::kafka
