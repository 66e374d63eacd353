// OffsetSnapshot: a safety copy of consumer groups' committed offsets, kept in the backup
// storage (any backend) at format::SnapshotKey(id), so `offset-rollback rollback` can put
// exactly those offsets back.
//
// Contract:
// - Ids are "snapshot-<UTC yyyymmddThhmmssmmmZ>-<6 hex>": time-ordered and unique (the random
//   suffix separates snapshots taken in the same millisecond).
// - A snapshot records every partition with a committed offset of each named group (a named
//   group without offsets is kept, empty), the cluster id, the bootstrap servers and the time.
// - ListSnapshots returns the newest first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "kafka/admin_client.h"
#include "offsets/group_offsets.h"
#include "storage/backend.h"

namespace kb::offsets {

struct OffsetSnapshot {
  int format_version = 1;
  std::string snapshot_id;
  int64_t created_at_ms = 0;
  std::string description;
  std::string cluster_id;
  std::string bootstrap_servers;
  std::vector<GroupOffsets> groups;  // sorted by group id
  const GroupOffsets* Find(const std::string& group) const;
  size_t partition_count() const;
};

// "snapshot-20261124T101530123Z-1a2b3c" for the given time, with a random suffix.
std::string NewSnapshotId(int64_t now_ms);
bool IsSnapshotId(const std::string& id);

nlohmann::json SnapshotToJson(const OffsetSnapshot& s);
Result<OffsetSnapshot> ParseSnapshot(const std::string& json, const std::string& key_for_errors);

// Reads the committed offsets of `groups` (all_groups: every consumer group of the cluster).
// Naming no group without all_groups is kInvalidArgument.
Result<OffsetSnapshot> TakeSnapshot(kafka::AdminClient& admin, const std::vector<std::string>& groups,
                                    bool all_groups, const std::string& description);

Status SaveSnapshot(ObjectStore& store, const OffsetSnapshot& s);
// kNotFound (naming the id and the storage) when there is no such snapshot.
Result<OffsetSnapshot> LoadSnapshot(ObjectStore& store, const std::string& snapshot_id);
// Every snapshot in the storage, newest first.
Result<std::vector<OffsetSnapshot>> ListSnapshots(ObjectStore& store);
// kNotFound when there is no such snapshot.
Status DeleteSnapshot(ObjectStore& store, const std::string& snapshot_id);

}  // namespace kb::offsets
