#include "conflict/audit_record.h"

#include <gtest/gtest.h>

namespace duplex::conflict {
namespace {

TEST(AuditRecord, ReadsBackWhatItWrites) {
  AuditRecord r{"orders.eu", 3, 1200, "east", {1700000000123, 1}, "west", {1700000000456, 0}};
  EXPECT_EQ(encode(r), "1 orders.eu 3 1200 east 1700000000123 1 west 1700000000456 0");
  EXPECT_EQ(decode_audit(encode(r)), r);
}

TEST(AuditRecord, RefusesOtherVersionsAndBrokenLines) {
  EXPECT_EQ(decode_audit("2 orders 3 1200 east 1 1 west 2 0"), std::nullopt);
  EXPECT_EQ(decode_audit("1 orders 3 1200 east 1 1 west 2"), std::nullopt);
  EXPECT_EQ(decode_audit("1 orders x 1200 east 1 1 west 2 0"), std::nullopt);
  EXPECT_EQ(decode_audit(""), std::nullopt);
}

}  // namespace
}  // namespace duplex::conflict
