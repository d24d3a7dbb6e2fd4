#include "kafka/acl_admin.h"

namespace duplex::kafka {

std::string TopicAcl::text() const {
  return std::string(rd_kafka_AclPermissionType_name(permission)) + " " + principal + " " +
         rd_kafka_AclOperation_name(operation) + " on topic " + topic +
         (pattern == RD_KAFKA_RESOURCE_PATTERN_LITERAL
              ? std::string()
              : std::string(" (") + rd_kafka_ResourcePatternType_name(pattern) + ")") +
         " from " + host;
}

Result<std::vector<TopicAcl>> AclAdmin::literal_topic_acls(
    std::chrono::milliseconds timeout) const {
  const std::string what = "describing topic ACLs";
  char err[512];
  rd_kafka_AclBindingFilter_t* filter = rd_kafka_AclBindingFilter_new(
      RD_KAFKA_RESOURCE_TOPIC, nullptr, RD_KAFKA_RESOURCE_PATTERN_LITERAL, nullptr, nullptr,
      RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY, err, sizeof err);
  if (filter == nullptr) {
    return KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG,
                      "cluster " + cluster_ + ": " + what + ": " + err);
  }
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_DESCRIBEACLS, timeout);
  rd_kafka_DescribeAcls(rk_, filter, opts.get(), queue.get());
  rd_kafka_AclBinding_destroy(filter);
  auto event = await_admin(queue.get(), timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** bindings = rd_kafka_DescribeAcls_result_acls(
      rd_kafka_event_DescribeAcls_result(std::get<EventPtr>(event).get()), &count);
  std::vector<TopicAcl> acls;
  for (size_t i = 0; i < count; ++i) {
    const auto* b = bindings[i];
    if (rd_kafka_AclBinding_restype(b) != RD_KAFKA_RESOURCE_TOPIC ||
        rd_kafka_AclBinding_resource_pattern_type(b) != RD_KAFKA_RESOURCE_PATTERN_LITERAL) {
      continue;
    }
    const char* host = rd_kafka_AclBinding_host(b);
    acls.push_back({rd_kafka_AclBinding_name(b), RD_KAFKA_RESOURCE_PATTERN_LITERAL,
                    rd_kafka_AclBinding_principal(b), host ? host : "*",
                    rd_kafka_AclBinding_operation(b), rd_kafka_AclBinding_permission_type(b)});
  }
  return acls;
}

KafkaError AclAdmin::create(const std::vector<TopicAcl>& acls,
                            std::chrono::milliseconds timeout) const {
  if (acls.empty()) return {};
  const std::string what = "creating " + std::to_string(acls.size()) + " topic ACLs";
  std::vector<rd_kafka_AclBinding_t*> bindings;
  char err[512];
  for (const auto& acl : acls) {
    auto* binding = rd_kafka_AclBinding_new(RD_KAFKA_RESOURCE_TOPIC, acl.topic.c_str(), acl.pattern,
                                            acl.principal.c_str(), acl.host.c_str(), acl.operation,
                                            acl.permission, err, sizeof err);
    if (binding == nullptr) {
      rd_kafka_AclBinding_destroy_array(bindings.data(), bindings.size());
      return KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG,
                        "cluster " + cluster_ + ": " + what + ": " + acl.text() + ": " + err);
    }
    bindings.push_back(binding);
  }
  QueuePtr queue(rd_kafka_queue_new(rk_));
  auto opts = admin_options(rk_, RD_KAFKA_ADMIN_OP_CREATEACLS, timeout);
  rd_kafka_CreateAcls(rk_, bindings.data(), bindings.size(), opts.get(), queue.get());
  rd_kafka_AclBinding_destroy_array(bindings.data(), bindings.size());
  auto event = await_admin(queue.get(), timeout, cluster_, what);
  if (auto* e = std::get_if<KafkaError>(&event)) return *e;
  size_t count = 0;
  const auto** results = rd_kafka_CreateAcls_result_acls(
      rd_kafka_event_CreateAcls_result(std::get<EventPtr>(event).get()), &count);
  // The answer lists the bindings in the order asked.
  for (size_t i = 0; i < count && i < acls.size(); ++i) {
    if (const rd_kafka_error_t* error = rd_kafka_acl_result_error(results[i])) {
      return KafkaError(rd_kafka_error_code(error), "cluster " + cluster_ + ": creating ACL " +
                                                        acls[i].text() + ": " +
                                                        rd_kafka_error_string(error));
    }
  }
  return {};
}

}  // namespace duplex::kafka
