#include "kafka/client_factory.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace duplex::kafka {
namespace {

// librdkafka quotes a value it rejects; the error (logged by every command) must not repeat it.
TEST(ClientFactory, RejectedValueIsNotRepeatedInTheError) {
  const std::string secret = "hunter2-secret-value";
  try {
    make_conf("east", {{"bootstrap.servers", "127.0.0.1:1"}, {"security.protocol", secret}}, {});
    FAIL() << "librdkafka accepted security.protocol=" << secret;
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_NE(message.find("cluster east: property 'security.protocol'"), std::string::npos)
        << message;
  }
}

std::string value_of(rd_kafka_conf_t* conf, const char* key) {
  char value[64];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, key, value, &size) != RD_KAFKA_CONF_OK) return "(unknown)";
  return value;
}

// After an outage a client reconnects within a second of the broker's return, not librdkafka's
// 10 s; a cluster's own setting still wins.
TEST(ClientFactory, ReconnectBackoffIsCappedAtOneSecondUnlessSet) {
  auto conf = make_conf("east", {{"bootstrap.servers", "127.0.0.1:1"}}, {});
  EXPECT_EQ(value_of(conf.get(), "reconnect.backoff.max.ms"), "1000");
  auto own = make_conf("east", {{"reconnect.backoff.max.ms", "5000"}}, {});
  EXPECT_EQ(value_of(own.get(), "reconnect.backoff.max.ms"), "5000");
}

}  // namespace
}  // namespace duplex::kafka
