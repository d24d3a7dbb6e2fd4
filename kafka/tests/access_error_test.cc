#include "kafka/access_error.h"

#include <gtest/gtest.h>

namespace duplex::kafka {
namespace {

TEST(AccessError, NamesTheClusterTheSubjectAndTheMissingPermission) {
  auto refused = access_refused(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, "east",
                                "group duplex.west.from.east", "READ", "Broker: denied");
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused,
            "cluster east: not authorized: duplex's principal needs READ on group "
            "duplex.west.from.east (GROUP_AUTHORIZATION_FAILED: Broker: denied)");
}

TEST(AccessError, ARefusedLoginOrCertificateIsAnAuthenticationFailure) {
  for (auto err : {RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR__SSL,
                   RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED}) {
    auto refused = access_refused(err, "west", "", "", "invalid credentials");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->rfind("cluster west: authentication failed (invalid credentials)", 0), 0u)
        << *refused;
  }
}

TEST(AccessError, OtherErrorsAreRetriedAsBefore) {
  for (auto err : {RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT,
                   RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_NO_ERROR}) {
    EXPECT_FALSE(is_access_error(err));
    EXPECT_FALSE(access_refused(err, "west", "topic t", "WRITE", "x"));
  }
  EXPECT_TRUE(is_authorization_error(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
  EXPECT_TRUE(is_authorization_error(RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
  // A refused login is an access error, but librdkafka also reports a connection lost
  // mid-handshake so: the sidecar's clients retry it, only the start-up check stops on it.
  EXPECT_TRUE(is_access_error(RD_KAFKA_RESP_ERR__AUTHENTICATION));
  EXPECT_FALSE(is_authorization_error(RD_KAFKA_RESP_ERR__AUTHENTICATION));
}

}  // namespace
}  // namespace duplex::kafka
