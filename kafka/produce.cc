#include "kafka/produce.h"

namespace duplex::kafka {
namespace {

// How long a full queue is given to drain (by serving delivery reports) before a retry.
constexpr int kQueueFullPollMs = 50;

}  // namespace

rd_kafka_resp_err_t produce(rd_kafka_t* producer, const OutgoingRecord& record, HeadersPtr& headers,
                            const std::atomic<bool>* give_up) {
  rd_kafka_vu_t args[8];
  size_t n = 0;
  if (record.topic_handle) {
    args[n].vtype = RD_KAFKA_VTYPE_RKT;
    args[n++].u.rkt = record.topic_handle;
  } else {
    args[n].vtype = RD_KAFKA_VTYPE_TOPIC;
    args[n++].u.cstr = record.topic;
  }
  args[n].vtype = RD_KAFKA_VTYPE_PARTITION;
  args[n++].u.i32 = record.partition;
  args[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  args[n++].u.i = RD_KAFKA_MSG_F_COPY;
  args[n].vtype = RD_KAFKA_VTYPE_KEY;
  args[n].u.mem.ptr = const_cast<void*>(record.key);
  args[n++].u.mem.size = record.key_len;
  args[n].vtype = RD_KAFKA_VTYPE_VALUE;
  args[n].u.mem.ptr = const_cast<void*>(record.value);
  args[n++].u.mem.size = record.value_len;
  args[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
  args[n++].u.i64 = record.timestamp;
  args[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
  args[n++].u.ptr = record.opaque;
  if (headers) {
    args[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    args[n++].u.headers = headers.get();
  }
  for (;;) {
    ErrorPtr error(rd_kafka_produceva(producer, args, n));
    const auto err = error ? rd_kafka_error_code(error.get()) : RD_KAFKA_RESP_ERR_NO_ERROR;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      (void)headers.release();  // the queued record owns them now
      return err;
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return err;
    if (give_up && give_up->load(std::memory_order_relaxed)) return err;
    rd_kafka_poll(producer, kQueueFullPollMs);
  }
}

rd_kafka_resp_err_t produce(rd_kafka_t* producer, const OutgoingRecord& record,
                            const std::atomic<bool>* give_up) {
  HeadersPtr none;
  return produce(producer, record, none, give_up);
}

}  // namespace duplex::kafka
