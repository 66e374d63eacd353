// OffsetMapping: where each restored record landed, as compact ranges, and the translation of
// a consumer group's committed offset through it.
//
// A range says: `count` records with consecutive source offsets starting at source_offset were
// written at consecutive target offsets starting at target_offset. Holes in the source
// (compaction, gaps, PITR-filtered records) start a new range.
//
// Translation of a committed offset C (the next record the group would read):
//   the target offset of the first restored record whose source offset is >= C;
//   if C lies past every restored record, the end of the restored target partition.
// It never extrapolates past what was restored.
// Stored as JSON at format::OffsetMappingKey(backup_id, restore_id); schema in docs/FORMAT.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace kb {

struct MappingRange {
  int64_t source_offset = 0;
  int64_t target_offset = 0;
  int64_t count = 0;
  bool operator==(const MappingRange&) const = default;
};

struct PartitionMapping {
  std::string source_topic;
  int32_t source_partition = 0;
  std::string target_topic;
  int32_t target_partition = 0;      // -1 when records were spread by repartitioning
  std::vector<MappingRange> ranges;  // sorted by source_offset
  int64_t target_end_offset = 0;     // end of the target partition after the restore
  uint64_t records() const;

  // Appends one restored record; records must come in increasing source offset order.
  void Add(int64_t source_offset, int64_t target_offset);
};

struct TranslatedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  bool past_restored_range = false;  // C was beyond every restored record
};

struct OffsetMapping {
  int format_version = 1;
  std::string backup_id;
  std::string restore_id;
  int64_t created_at_ms = 0;
  std::optional<int64_t> time_window_start, time_window_end;
  std::vector<PartitionMapping> partitions;

  const PartitionMapping* Find(const std::string& source_topic, int32_t source_partition) const;
  // kNotFound when the partition was not restored; kInvalidArgument when it was repartitioned
  // (one source partition spread over several targets has no single position).
  Result<TranslatedOffset> Translate(const std::string& source_topic, int32_t source_partition,
                                     int64_t committed) const;
};

// The stored document (docs/FORMAT.md, "Offset mapping"), and the same as JSON for printing.
std::string SerializeOffsetMapping(const OffsetMapping& m);
nlohmann::json ToJson(const OffsetMapping& m);
Result<OffsetMapping> ParseOffsetMapping(const std::string& json, const std::string& key_for_errors);

}  // namespace kb
