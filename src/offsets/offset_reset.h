// Offset reset after a restore: where each consumer group should resume on the target.
//
// PlanReset is pure: it takes the groups' source positions (committed offsets as of the PITR
// end, from a capture or a snapshot), the restore's offset mapping, a strategy, and a
// ResetLookups through which it asks the target cluster and the backup what it needs (fakes in
// unit tests, ClusterResetLookups for real). docs/OFFSETS.md describes each strategy.
//
// Translation rule (the reference every strategy is checked against): a committed offset C
// becomes the target offset of the first restored record whose source offset is >= C; when C
// lies past the restored range, the end of the restored partition, never beyond it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/record.h"
#include "format/offset_mapping.h"
#include "format/offset_docs.h"
#include "format/reset_strategy.h"
#include "kafka/admin_client.h"
#include "storage/backend.h"

namespace kb::offsets {

using format::GroupOffsets;

using format::ParseResetStrategy;
using format::ResetStrategy;
using format::ResetStrategyName;

// What the planner asks of the target cluster and of the backup.
class ResetLookups {
 public:
  virtual ~ResetLookups() = default;
  // header-based / cluster-scan: the first target offset whose record carries an
  // x-original-offset header >= source_offset (nullopt: none, i.e. the end). `hint` is the
  // mapping's estimate, checked first. kNotFound when the records carry no such header.
  virtual Result<std::optional<int64_t>> FindByOriginalOffset(const std::string& topic, int32_t partition,
                                                              int64_t source_offset, int64_t hint) = 0;
  // timestamp-based: the earliest target offset with timestamp >= ts (nullopt: none).
  virtual Result<std::optional<int64_t>> OffsetForTimestamp(const std::string& topic, int32_t partition,
                                                            int64_t timestamp_ms) = 0;
  // The backed-up source record at exactly `offset` (nullopt when the backup lacks it).
  virtual Result<std::optional<Record>> SourceRecord(const std::string& topic, int32_t partition, int64_t offset) = 0;
  // cluster-scan without headers: the first target offset whose record equals `source`
  // (key, value, timestamp), scanning the whole partition from its start.
  virtual Result<std::optional<int64_t>> ScanForRecord(const std::string& topic, int32_t partition,
                                                       const Record& source) = 0;
};

struct ResetPlanEntry {
  std::string group;
  std::string source_topic;
  int32_t source_partition = 0;
  int64_t source_offset = -1;       // committed offset C on the source
  std::string target_topic;
  int32_t target_partition = -1;
  int64_t target_offset = -1;       // what will be committed; -1: nothing (skip, or a problem)
  int64_t mapped_offset = -1;       // the mapping's translation of C (the reference)
  bool past_restored_range = false;
  std::string strategy;
  std::string note;                 // how it was found, or why nothing will be committed
  bool commit() const { return target_offset >= 0; }
};

struct ResetPlan {
  std::string backup_id;
  std::string restore_id;
  ResetStrategy strategy = ResetStrategy::kHeaderBased;
  std::string positions_from;       // "capture 2026-...Z" or "snapshot snapshot-..."
  std::vector<std::string> groups;
  std::vector<ResetPlanEntry> entries;  // by group, topic, partition
  std::vector<std::string> problems;    // partitions that cannot be placed; nothing is committed for them
  std::vector<std::string> warnings;
  // The offsets to commit per group (entries with commit()).
  std::map<std::string, std::vector<kafka::GroupOffset>> Commits() const;
  nlohmann::json ToJson() const;
};

struct ResetInputs {
  std::string backup_id;
  const OffsetMapping* mapping = nullptr;
  std::vector<GroupOffsets> positions;  // source committed offsets, one entry per group
  std::string positions_from;
  ResetStrategy strategy = ResetStrategy::kHeaderBased;
};

// Plans every partition of every group. Lookup failures on one partition become problems (that
// partition is not committed); only a missing mapping fails the call.
Result<ResetPlan> PlanReset(const ResetInputs& in, ResetLookups& lookups);

// The first restored record at or after source offset C: {source offset, target offset}, or
// nullopt when C lies past every restored record of the partition.
std::optional<std::pair<int64_t, int64_t>> FirstRestoredAtOrAfter(const PartitionMapping& pm, int64_t committed);

// A bash script applying the plan with kafka-consumer-groups.sh, one command per partition.
std::string ResetScript(const ResetPlan& plan, const std::string& bootstrap_servers);

// The groups' source positions as of `as_of_ms`: the newest capture at or before it; when the
// backup holds none that old, the oldest capture after it (with a warning in *warning), since
// no other record of those positions exists. `groups` empty = every captured group.
struct SourcePositions {
  std::vector<GroupOffsets> groups;
  std::string from;          // "capture <time>"
  int64_t captured_at_ms = 0;
  std::string warning;
};
Result<SourcePositions> LoadSourcePositions(ObjectStore& store, const std::string& backup_id,
                                            std::optional<int64_t> as_of_ms, const std::vector<std::string>& groups);

}  // namespace kb::offsets
