// The consumer-group documents (docs/FORMAT.md, "Consumer offset capture" and "Offset snapshot",
// format_version 1):
//
//   capture   the committed offsets of the groups, taken while a backup runs; one object per
//             capture, named by its time, never overwritten, so a restore to T can put the groups
//             back where they were at T.
//   snapshot  the same positions taken before a restore commits new ones: the rollback's safety
//             net, kept in the storage under its own id.
//
// Pure: serialization and the validating parse (JsonReader) only; keys are built in
// object_keys.h and catalog/documents.h does the I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "kafka/types.h"

namespace kb::format {

inline constexpr int kOffsetDocsFormatVersion = 1;

using GroupOffsets = kafka::GroupOffsets;

struct OffsetCapture {
  int format_version = kOffsetDocsFormatVersion;
  int64_t captured_at_ms = 0;
  std::string cluster_id;
  std::vector<GroupOffsets> groups;  // sorted by group id
  const GroupOffsets* Find(const std::string& group) const;
};

struct OffsetSnapshot {
  int format_version = kOffsetDocsFormatVersion;
  std::string snapshot_id;
  int64_t created_at_ms = 0;
  std::string description;
  std::string cluster_id;
  std::string bootstrap_servers;
  std::vector<GroupOffsets> groups;  // sorted by group id
  const GroupOffsets* Find(const std::string& group) const;
  size_t partition_count() const;
};

// Ids become object keys: "snapshot-" then letters, digits, '-', '_' or '.', at most 128 long.
bool IsSnapshotId(const std::string& id);

// A capture of what was read (kafka/group_offsets.h).
OffsetCapture ToCapture(kafka::CommittedOffsets read);

std::string Serialize(const OffsetCapture& c);
std::string Serialize(const OffsetSnapshot& s);
// The snapshot as the CLI prints it (the stored document's fields).
nlohmann::json ToJson(const OffsetSnapshot& s);

// `key` names the object in errors.
Result<OffsetCapture> ParseOffsetCapture(const std::string& text, const std::string& key);
Result<OffsetSnapshot> ParseOffsetSnapshot(const std::string& text, const std::string& key);

}  // namespace kb::format
