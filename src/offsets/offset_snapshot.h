// Taking an offset snapshot: a safety copy of consumer groups' committed offsets, kept in the
// backup storage (any backend; catalog/documents.h stores it), so `offset-rollback rollback` can
// put exactly those offsets back.
//
// Contract:
// - Ids are "snapshot-<UTC yyyymmddThhmmssmmmZ>-<6 hex>": time-ordered and unique (the random
//   suffix separates snapshots taken in the same millisecond).
// - A snapshot records every partition with a committed offset of each named group (a named
//   group without offsets is kept, empty), the cluster id, the bootstrap servers and the time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "kafka/admin_client.h"
#include "format/offset_docs.h"

namespace kb::offsets {

using format::IsSnapshotId;
using format::OffsetSnapshot;

// "snapshot-20261124T101530123Z-1a2b3c" for the given time, with a random suffix.
std::string NewSnapshotId(int64_t now_ms);

// Reads the committed offsets of `groups` (all_groups: every consumer group of the cluster).
// Naming no group without all_groups is kInvalidArgument.
Result<OffsetSnapshot> TakeSnapshot(kafka::AdminClient& admin, const std::vector<std::string>& groups,
                                    bool all_groups, const std::string& description);

}  // namespace kb::offsets
