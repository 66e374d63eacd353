// RestoreEngine: writes a backup's records (optionally only those inside a PITR window) to a
// target cluster, and stores the restore's report and source->target offset mapping next to
// the backup.
//
// Contract (PRODUCT.md "Restore"):
// - Window [time_window_start, time_window_end] is inclusive on the record timestamp. Segments
//   and blocks are skipped only when their [min,max] timestamp range lies outside the window,
//   so no in-window record is ever skipped, even with out-of-order timestamps.
// - Restored records are identical to the source (key, value, headers, timestamp, partition)
//   unless include_original_offset_header or consumer_group_strategy: header-based asks for
//   x-original-offset / x-original-partition / x-original-timestamp headers.
// - Idempotent producer; a restore interrupted and run again writes each record exactly once
//   (progress checkpoint in storage); a non-empty target partition is refused unless
//   purge_topics or allow_non_empty.
// - Any partition failure makes the result incomplete (never "ok"), with what was and was not
//   written in the report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "core/error.h"
#include "format/offset_mapping.h"
#include "format/restore_docs.h"
#include "kafka/port.h"
#include "storage/backend.h"

namespace kb {

// What a restore would write into one target partition (validate-restore, --dry-run).
struct RestorePlanEntry {
  std::string source_topic;
  int32_t source_partition = 0;
  std::string target_topic;
  int32_t target_partition = 0;   // -1: spread by repartitioning
  uint64_t records = 0;           // records inside the window (exact when counted from blocks)
  uint64_t bytes = 0;
  int64_t min_timestamp = 0, max_timestamp = 0;
  bool target_topic_exists = false;
  bool target_partition_empty = true;
};

struct RestorePlan {
  std::string backup_id;
  std::optional<int64_t> time_window_start, time_window_end;
  std::vector<RestorePlanEntry> entries;
  std::vector<std::string> problems;  // e.g. partition-count mismatch, non-empty target, missing topic
  nlohmann::json ToJson() const;
};

struct RestoreResult {
  std::string restore_id;             // "restore-20261124T101530123Z"
  bool complete = false;              // every selected partition fully written and confirmed
  bool interrupted = false;           // stopped by SIGINT/SIGTERM (progress saved: run again to resume)
  bool resumed = false;               // continued an interrupted restore with the same target and window
  uint64_t partitions_total = 0, partitions_complete = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t bytes_read_from_storage = 0;
  double seconds = 0;
  std::vector<std::string> errors;
  OffsetMapping mapping;              // also stored with the backup (catalog/documents.h)
  format::RestoreReport report;       // also stored with the backup
};

class RestoreEngine {
 public:
  // `config` needs backup_id and a target (target.bootstrap_servers).
  RestoreEngine(const Config& config, ObjectStore& store, kafka::KafkaPort& kafka = kafka::LibrdkafkaPort());
  // Reads manifests and the target's state; writes nothing anywhere.
  Result<RestorePlan> Plan();
  // Restores. Fails before writing on config, plan or connection problems, and on a config with
  // restore.dry_run set (a dry run is Plan()); partition failures come back as a result with
  // complete=false and errors set.
  Result<RestoreResult> Run();

 private:
  const Config& config_;
  ObjectStore& store_;
  kafka::KafkaPort& kafka_;
};

}  // namespace kb
