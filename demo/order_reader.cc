#include "demo/order_reader.h"

#include "kafka/log_reader.h"
#include "offsets/origin.h"

namespace duplex::demo {

std::variant<std::vector<StoredOrder>, kafka::KafkaError> read_orders(const std::string& region,
                                                                      const std::string& bootstrap,
                                                                      const std::string& topic) {
  kafka::LogReader reader(region, {{"bootstrap.servers", bootstrap}}, topic);
  std::vector<StoredOrder> orders;
  auto err = reader.read_new(
      [&](const rd_kafka_message_t& m) {
        StoredOrder order;
        if (m.payload) order.id.assign(static_cast<const char*>(m.payload), m.len);
        order.origin = offsets::origin_of(m);
        orders.push_back(std::move(order));
      },
      std::chrono::seconds(30));
  if (err) return err;
  return orders;
}

}  // namespace duplex::demo
