#pragma once

#include "kafka/group_admin.h"

namespace duplex::offsets {

// What groups.sync writes for an idle group: the translated offsets that are ahead of the
// group's committed offsets on the home cluster, or where it has none. A group rewound on the
// source gets a rewound checkpoint, but its offsets on the home cluster never go back: the
// home region may have read further since (only `duplex failover` moves a group anywhere).
kafka::GroupOffsets forward_moves(const kafka::GroupOffsets& translated,
                                  const kafka::GroupOffsets& current);

}  // namespace duplex::offsets
