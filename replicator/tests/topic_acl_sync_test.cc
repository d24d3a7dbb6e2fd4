#include "replicator/topic_acl_sync.h"

#include <gtest/gtest.h>

namespace duplex::replicator {
namespace {

using kafka::TopicAcl;

TopicAcl acl(const std::string& topic, const std::string& principal, rd_kafka_AclOperation_t op,
             rd_kafka_AclPermissionType_t permission = RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW,
             rd_kafka_ResourcePatternType_t pattern = RD_KAFKA_RESOURCE_PATTERN_LITERAL) {
  return TopicAcl{topic, pattern, principal, "*", op, permission};
}

const std::map<std::string, std::string> kRenamed = {{"orders", "east.orders"}};

TEST(TopicAclSync, AnAllowedReadOrDescribeIsCopiedOntoTheRenamedTopic) {
  TopicAclSync sync({});
  auto read = sync.copied(acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ), "east.orders");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, acl("east.orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ));
  auto from_host = acl("orders", "User:bob", RD_KAFKA_ACL_OPERATION_DESCRIBE);
  from_host.host = "10.0.0.7";
  auto describe = sync.copied(from_host, "east.orders");
  ASSERT_TRUE(describe);
  EXPECT_EQ(describe->host, "10.0.0.7");
  EXPECT_EQ(describe->operation, RD_KAFKA_ACL_OPERATION_DESCRIBE);
  EXPECT_EQ(describe->topic, "east.orders");
}

TEST(TopicAclSync, WriteDenyAndPrefixedAreNotCopied) {
  TopicAclSync sync({});
  EXPECT_FALSE(sync.copied(acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_WRITE), "o"));
  EXPECT_FALSE(sync.copied(
      acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_DENY),
      "o"));
  EXPECT_FALSE(sync.copied(
      acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_ALL, RD_KAFKA_ACL_PERMISSION_TYPE_DENY),
      "o"));
  EXPECT_FALSE(
      sync.copied(acl("ord", "User:alice", RD_KAFKA_ACL_OPERATION_READ,
                      RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, RD_KAFKA_RESOURCE_PATTERN_PREFIXED),
                  "o"));
}

TEST(TopicAclSync, AllBecomesRead) {
  TopicAclSync sync({});
  auto copy = sync.copied(acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_ALL), "east.orders");
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->operation, RD_KAFKA_ACL_OPERATION_READ);
}

TEST(TopicAclSync, OtherOperationsAreCopiedForOthersButNotForTheSidecarsOwnPrincipal) {
  TopicAclSync sync({"User:duplex"});
  for (auto op : {RD_KAFKA_ACL_OPERATION_DELETE, RD_KAFKA_ACL_OPERATION_ALTER,
                  RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS, RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS,
                  RD_KAFKA_ACL_OPERATION_CREATE}) {
    EXPECT_TRUE(sync.copied(acl("orders", "User:alice", op), "o"))
        << rd_kafka_AclOperation_name(op);
    EXPECT_FALSE(sync.copied(acl("orders", "User:duplex", op), "o"))
        << rd_kafka_AclOperation_name(op);
  }
  EXPECT_FALSE(sync.copied(acl("orders", "User:duplex", RD_KAFKA_ACL_OPERATION_WRITE), "o"));
  EXPECT_TRUE(sync.copied(acl("orders", "User:duplex", RD_KAFKA_ACL_OPERATION_READ), "o"));
  EXPECT_TRUE(sync.copied(acl("orders", "User:duplex", RD_KAFKA_ACL_OPERATION_DESCRIBE), "o"));
  auto all = sync.copied(acl("orders", "User:duplex", RD_KAFKA_ACL_OPERATION_ALL), "o");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->operation, RD_KAFKA_ACL_OPERATION_READ);
  // A principal is matched whole: another user whose name starts the same is not the sidecar.
  EXPECT_TRUE(sync.copied(acl("orders", "User:duplex2", RD_KAFKA_ACL_OPERATION_DELETE), "o"));
}

TEST(TopicAclSync, OnlyTheCopiedTopicsBindingsAreCreated) {
  TopicAclSync sync({});
  auto create = sync.plan({acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ),
                           acl("payments", "User:alice", RD_KAFKA_ACL_OPERATION_READ),
                           acl("*", "User:alice", RD_KAFKA_ACL_OPERATION_READ)},
                          kRenamed, {});
  ASSERT_EQ(create.size(), 1u);
  EXPECT_EQ(create[0], acl("east.orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ));
}

TEST(TopicAclSync, WhatTheTargetHoldsIsNotCreatedAgainAndNothingIsDeleted) {
  TopicAclSync sync({});
  const std::vector<TopicAcl> source = {
      acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ),
      acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_WRITE),
      acl("orders", "User:bob", RD_KAFKA_ACL_OPERATION_DESCRIBE),
      acl("orders", "User:carol", RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_DENY)};
  auto first = sync.plan(source, kRenamed, {});
  const std::vector<TopicAcl> want = {
      acl("east.orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ),
      acl("east.orders", "User:bob", RD_KAFKA_ACL_OPERATION_DESCRIBE)};
  EXPECT_EQ(first, want);

  // The second round sees them on the target, with one the target had of its own.
  auto target = first;
  target.push_back(acl("east.orders", "User:dave", RD_KAFKA_ACL_OPERATION_READ));
  EXPECT_TRUE(sync.plan(source, kRenamed, target).empty());
  // Removed on the source: nothing to create, and the plan never names a deletion.
  EXPECT_TRUE(sync.plan({}, kRenamed, target).empty());
  // Only the missing one is created again.
  target.erase(target.begin());
  EXPECT_EQ(sync.plan(source, kRenamed, target),
            (std::vector<TopicAcl>{acl("east.orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ)}));
}

TEST(TopicAclSync, AllAndReadForOnePrincipalAreCreatedOnce) {
  TopicAclSync sync({});
  auto create = sync.plan({acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_ALL),
                           acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ)},
                          kRenamed, {});
  EXPECT_EQ(create,
            (std::vector<TopicAcl>{acl("east.orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ)}));
}

TEST(TopicAclSync, ASharedTopicGetsTheSameNameAndHostsAreKeptApart) {
  TopicAclSync sync({});
  auto from_host = acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ);
  from_host.host = "10.0.0.7";
  // The target has the binding from any host, not from this one: a different binding.
  auto create = sync.plan({from_host}, {{"orders", "orders"}},
                          {acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ)});
  EXPECT_EQ(create, std::vector<TopicAcl>{from_host});
}

TEST(TopicAclSync, ABindingReadsInTheLog) {
  EXPECT_EQ(acl("orders", "User:alice", RD_KAFKA_ACL_OPERATION_READ).text(),
            "ALLOW User:alice READ on topic orders from *");
  EXPECT_EQ(acl("ord", "User:alice", RD_KAFKA_ACL_OPERATION_WRITE,
                RD_KAFKA_ACL_PERMISSION_TYPE_DENY, RD_KAFKA_RESOURCE_PATTERN_PREFIXED)
                .text(),
            "DENY User:alice WRITE on topic ord (PREFIXED) from *");
}

TEST(TopicAclSync, TheSidecarsPrincipalsAreItsSaslUserNames) {
  const config::Properties scram = {{"security.protocol", "SASL_SSL"},
                                    {"sasl.mechanisms", "SCRAM-SHA-512"},
                                    {"sasl.username", "duplex-east"}};
  const config::Properties plain = {{"security.protocol", "sasl_plaintext"},
                                    {"sasl.mechanism", "PLAIN"},
                                    {"sasl.username", "duplex-west"}};
  const config::Properties kerberos = {{"security.protocol", "SASL_SSL"},
                                       {"sasl.username", "ignored"}};  // GSSAPI by default
  const config::Properties tls = {{"security.protocol", "SSL"}, {"sasl.username", "ignored"}};
  const config::Properties none = {{"bootstrap.servers", "a:9092"}};
  EXPECT_EQ(sasl_principals({&scram, &plain, &kerberos, &tls, &none}),
            (std::set<std::string>{"User:duplex-east", "User:duplex-west"}));
  EXPECT_EQ(sasl_principals({&scram, &scram}), (std::set<std::string>{"User:duplex-east"}));
}

}  // namespace
}  // namespace duplex::replicator
