#include "kafka/access_error.h"

namespace duplex::kafka {

bool is_login_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
         err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED || err == RD_KAFKA_RESP_ERR__SSL;
}

bool is_access_error(rd_kafka_resp_err_t err) {
  return is_login_error(err) || err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
         err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
         err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED ||
         err == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
}

std::optional<std::string> access_refused(rd_kafka_resp_err_t err, const std::string& cluster,
                                          const std::string& subject, const std::string& need,
                                          const std::string& detail) {
  if (!is_access_error(err)) return std::nullopt;
  if (is_login_error(err)) {
    return "cluster " + cluster + ": authentication failed (" + detail +
           "): check its security.protocol, sasl.mechanisms, sasl.username, sasl.password and "
           "ssl.ca.location";
  }
  const std::string why = std::string(" (") + rd_kafka_err2name(err) + ": " + detail + ")";
  if (subject.empty()) return "cluster " + cluster + ": not authorized" + why;
  return "cluster " + cluster + ": not authorized: duplex's principal needs " + need + " on " +
         subject + why;
}

}  // namespace duplex::kafka
