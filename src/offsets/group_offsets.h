// Captured consumer-group offsets: what a backup stores (time-stamped, appended, never
// overwritten) so a restore to T can use the group positions as of T, and what an offset
// snapshot records. JSON schema in docs/FORMAT.md ("consumer offset capture", version 1).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "kafka/admin_client.h"
#include "storage/backend.h"

namespace kb::offsets {

struct GroupOffsets {
  std::string group;
  std::string state;                              // "Empty", "Stable", ... at capture time
  std::vector<kafka::GroupOffset> offsets;        // sorted by topic, partition
};

struct OffsetCapture {
  int format_version = 1;
  int64_t captured_at_ms = 0;
  std::string cluster_id;
  std::vector<GroupOffsets> groups;               // sorted by group id
  const GroupOffsets* Find(const std::string& group) const;
};

// The "groups" array shared by offset captures and offset snapshots. GroupsFromJson throws
// nlohmann::json::exception on a malformed document; its callers turn that into kCorrupt.
nlohmann::json GroupsToJson(const std::vector<GroupOffsets>& groups);
std::vector<GroupOffsets> GroupsFromJson(const nlohmann::json& groups);

std::string SerializeOffsetCapture(const OffsetCapture& c);
Result<OffsetCapture> ParseOffsetCapture(const std::string& json, const std::string& key_for_errors);

// Reads the committed offsets of `groups` (empty = every consumer group of the cluster),
// keeping only partitions of `topics` (empty = all topics). Groups without offsets on those
// topics are left out when `groups` was empty, kept (with no offsets) when named. `skip_group`
// (a scale-out backup's own group, whose offsets are the backup's position, not an
// application's) is never captured.
Result<OffsetCapture> CaptureGroupOffsets(kafka::AdminClient& admin, const std::vector<std::string>& groups,
                                          const std::set<std::string>& topics, const std::string& skip_group = "");

// Appends a capture to a backup: a new object per capture, named by its time.
Status StoreCapture(ObjectStore& store, const std::string& backup_id, const OffsetCapture& c);

// The newest capture of the backup taken at or before `as_of_ms` (no bound when empty), or
// nullopt when there is none.
Result<std::optional<OffsetCapture>> LoadCaptureAsOf(ObjectStore& store, const std::string& backup_id,
                                                     std::optional<int64_t> as_of_ms);

}  // namespace kb::offsets
