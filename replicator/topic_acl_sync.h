#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "kafka/acl_admin.h"

namespace duplex::replicator {

// Which of the source's topic ACLs a flow copies onto its target topics (`acls.sync`), with
// MirrorMaker 2's rules made stricter:
//  - only ALLOW bindings of a LITERAL topic name that the flow copies, renamed as the topic is
//    (a DENY, a PREFIXED pattern or another resource is not copied);
//  - never WRITE (only duplex writes the copies), and ALL becomes READ;
//  - the sidecar's own principals get nothing beyond READ and DESCRIBE from a copy;
//  - only what the target lacks is created, and nothing is ever deleted there: a steady state
//    writes nothing, and an ACL removed on the source stays on the target until removed by hand.
class TopicAclSync {
 public:
  // `own_principals`: the sidecar's principals on the source and target ("User:duplex").
  explicit TopicAclSync(std::set<std::string> own_principals);

  // `acl` as copied onto `target_topic`, or nullopt when it is not copied.
  std::optional<kafka::TopicAcl> copied(const kafka::TopicAcl& acl,
                                        const std::string& target_topic) const;

  // The bindings to create on the target: the copies of the `source` bindings of the topics in
  // `targets` (source topic -> target topic) that `target` does not hold yet, each once.
  std::vector<kafka::TopicAcl> plan(const std::vector<kafka::TopicAcl>& source,
                                    const std::map<std::string, std::string>& targets,
                                    const std::vector<kafka::TopicAcl>& target) const;

 private:
  std::set<std::string> own_;
};

// "User:<sasl.username>" for each of `clusters` that logs in with SASL PLAIN or SCRAM: the
// principal Kafka's default principal builder gives the sidecar there. Other logins (TLS
// certificates, Kerberos, OAuth) map to principals the config does not tell.
std::set<std::string> sasl_principals(const std::vector<const config::Properties*>& clusters);

}  // namespace duplex::replicator
