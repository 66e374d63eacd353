// Reading consumer groups' committed offsets from a cluster: what a backup captures
// (catalog/documents.h stores it) so that a restore to T can use the group positions as of T,
// and what an offset snapshot records.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "kafka/admin_client.h"
#include "kafka/types.h"

namespace kb::kafka {

// Reads the committed offsets of `groups` (empty = every consumer group of the cluster),
// keeping only partitions of `topics` (empty = all topics). Groups without offsets on those
// topics are left out when `groups` was empty, kept (with no offsets) when named. `skip_group`
// (a scale-out backup's own group, whose offsets are the backup's position, not an
// application's) is never read.
Result<CommittedOffsets> ReadCommittedOffsets(AdminClient& admin, const std::vector<std::string>& groups,
                                              const std::set<std::string>& topics, const std::string& skip_group = "");

}  // namespace kb::kafka
