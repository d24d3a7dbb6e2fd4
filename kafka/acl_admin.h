#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "kafka/admin_request.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"

namespace duplex::kafka {

// One ACL binding on a topic resource, as the Admin API describes and creates it.
struct TopicAcl {
  std::string topic;  // the resource name (a prefix when `pattern` is PREFIXED)
  rd_kafka_ResourcePatternType_t pattern = RD_KAFKA_RESOURCE_PATTERN_LITERAL;
  std::string principal;  // e.g. "User:alice"
  std::string host = "*";
  rd_kafka_AclOperation_t operation = RD_KAFKA_ACL_OPERATION_READ;
  rd_kafka_AclPermissionType_t permission = RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW;

  auto operator<=>(const TopicAcl&) const = default;
  // "ALLOW User:alice READ on topic orders from *", for logs.
  std::string text() const;
  friend std::ostream& operator<<(std::ostream& out, const TopicAcl& acl) {
    return out << acl.text();
  }
};

// Topic ACLs on one cluster, over an existing client handle (not owned). Needs a broker with
// an authorizer: one without answers SECURITY_DISABLED; the mock cluster does not answer.
class AclAdmin {
 public:
  AclAdmin(rd_kafka_t* client, std::string cluster) : rk_(client), cluster_(std::move(cluster)) {}

  const std::string& cluster() const { return cluster_; }

  // Every binding of a LITERAL topic name (prefixed patterns and other resources left out),
  // in one DescribeAcls request (needs DESCRIBE on the cluster).
  Result<std::vector<TopicAcl>> literal_topic_acls(std::chrono::milliseconds timeout) const;

  // Creates `acls` in one CreateAcls request (needs ALTER on the cluster); the first binding
  // the broker refused, named, when any was (the others may have been created).
  KafkaError create(const std::vector<TopicAcl>& acls, std::chrono::milliseconds timeout) const;

 private:
  rd_kafka_t* rk_;
  std::string cluster_;
};

}  // namespace duplex::kafka
