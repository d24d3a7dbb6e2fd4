#pragma once

#include <ostream>
#include <string>

#include "offsets/failover.h"

namespace duplex::app {

// What `duplex failover` prints of a plan: a table, or one JSON object.
void print_failover_table(const offsets::FailoverPlan& plan, std::ostream& out);
void print_failover_json(const offsets::FailoverPlan& plan, const std::string& from,
                         const std::string& to, bool dry_run, std::ostream& out);

}  // namespace duplex::app
