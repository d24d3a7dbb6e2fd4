#pragma once

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>

namespace duplex::kafka {

// Errors no retry fixes until an operator acts: a login the cluster refuses (wrong password,
// mechanism, or a certificate that cannot be verified) or a missing ACL. librdkafka retries
// these for ever, so duplex stops on them instead, with access_refused()'s message.
bool is_access_error(rd_kafka_resp_err_t err);
// The login part of those: a refused SASL login or TLS handshake. librdkafka reports a
// connection lost during the handshake the same way, so one alone proves nothing.
bool is_login_error(rd_kafka_resp_err_t err);
// The rest: a permission the principal lacks. The broker said so; it stays so.
inline bool is_authorization_error(rd_kafka_resp_err_t err) {
  return is_access_error(err) && !is_login_error(err);
}

// "cluster C: not authorized: needs NEED on SUBJECT (CODE: detail)", or for a refused login
// "cluster C: authentication failed (detail): check ..."; nullopt when `err` is no access
// error. `subject` names the resource ("topic orders", "group g"), `need` the ACL operation.
std::optional<std::string> access_refused(rd_kafka_resp_err_t err, const std::string& cluster,
                                          const std::string& subject, const std::string& need,
                                          const std::string& detail);

}  // namespace duplex::kafka
