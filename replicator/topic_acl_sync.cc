#include "replicator/topic_acl_sync.h"

#include <cctype>

namespace duplex::replicator {

TopicAclSync::TopicAclSync(std::set<std::string> own_principals)
    : own_(std::move(own_principals)) {}

std::optional<kafka::TopicAcl> TopicAclSync::copied(const kafka::TopicAcl& acl,
                                                    const std::string& target_topic) const {
  if (acl.pattern != RD_KAFKA_RESOURCE_PATTERN_LITERAL ||
      acl.permission != RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW ||
      acl.operation == RD_KAFKA_ACL_OPERATION_WRITE) {
    return std::nullopt;
  }
  kafka::TopicAcl copy = acl;
  copy.topic = target_topic;
  if (copy.operation == RD_KAFKA_ACL_OPERATION_ALL) copy.operation = RD_KAFKA_ACL_OPERATION_READ;
  // E.g. DELETE or ALTER_CONFIGS on a copy would let the sidecar's principal damage what only
  // it writes, through an ACL it granted itself.
  if (own_.count(copy.principal) && copy.operation != RD_KAFKA_ACL_OPERATION_READ &&
      copy.operation != RD_KAFKA_ACL_OPERATION_DESCRIBE) {
    return std::nullopt;
  }
  return copy;
}

std::vector<kafka::TopicAcl> TopicAclSync::plan(const std::vector<kafka::TopicAcl>& source,
                                                const std::map<std::string, std::string>& targets,
                                                const std::vector<kafka::TopicAcl>& target) const {
  std::set<kafka::TopicAcl> present(target.begin(), target.end());
  std::vector<kafka::TopicAcl> create;
  for (const auto& acl : source) {
    auto to = targets.find(acl.topic);
    if (to == targets.end()) continue;
    auto copy = copied(acl, to->second);
    // ALL and READ for one principal become one READ: inserted once.
    if (copy && present.insert(*copy).second) create.push_back(std::move(*copy));
  }
  return create;
}

std::set<std::string> sasl_principals(const std::vector<const config::Properties*>& clusters) {
  std::set<std::string> principals;
  for (const auto* properties : clusters) {
    auto value = [&](const std::string& key) {
      auto it = properties->find(key);
      return it == properties->end() ? std::string() : it->second;
    };
    std::string mechanism = value("sasl.mechanisms");
    if (mechanism.empty()) mechanism = value("sasl.mechanism");  // librdkafka's alias
    std::string protocol = value("security.protocol");
    for (auto& c : protocol) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool sasl = protocol == "sasl_plaintext" || protocol == "sasl_ssl";
    const bool by_name = mechanism == "PLAIN" || mechanism.rfind("SCRAM-", 0) == 0;
    if (sasl && by_name && !value("sasl.username").empty()) {
      principals.insert("User:" + value("sasl.username"));
    }
  }
  return principals;
}

}  // namespace duplex::replicator
