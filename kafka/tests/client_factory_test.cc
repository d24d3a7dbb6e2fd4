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

}  // namespace
}  // namespace duplex::kafka
