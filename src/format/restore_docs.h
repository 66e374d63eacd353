// The documents a restore leaves next to the backup (docs/FORMAT.md, "Restore progress" and
// "Restore report", format_version 1), besides its offset mapping (format/offset_mapping.h):
//
//   progress  the resume checkpoint, rewritten as partitions are confirmed: where each source
//             partition stands and the mapping so far. Its presence marks a restore that may
//             need resuming; the fingerprint says what it restored and where.
//   report    the outcome, written when the restore ends (complete or not); offset-reset takes its
//             default strategy and snapshot from it, and a merged parallel restore lists its parts.
//
// Pure: serialization and the validating parse (JsonReader) only; catalog/documents.h does the I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "format/offset_mapping.h"

namespace kb::format {

inline constexpr int kRestoreDocsFormatVersion = 1;

struct RestorePartitionProgress {
  std::string source_topic;
  int32_t source_partition = 0;
  std::string target_topic;
  int32_t target_partition = 0;     // -1 when repartitioned
  int64_t next_source_offset = 0;   // first source offset not yet confirmed (or skipped)
  int64_t target_end_offset = -1;   // the target partition's end after the confirmed records
  uint64_t records = 0, bytes = 0;
  int64_t first_source_offset = -1, last_source_offset = -1;
  bool done = false;
  std::vector<MappingRange> ranges;  // the mapping so far
  // Set when the target partition was found not to hold the restored records in the order they
  // were sent (a record the broker confirmed is missing, or another writer): a resume refuses it.
  // Stored only when set.
  std::string target_error;
};

struct RestoreProgress {
  int format_version = kRestoreDocsFormatVersion;
  std::string restore_id;
  std::string backup_id;
  std::string fingerprint;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::vector<RestorePartitionProgress> partitions;
};

struct RestoreReportPartition {
  std::string source_topic;
  int32_t source_partition = 0;
  std::string target_topic;
  int32_t target_partition = 0;
  uint64_t records = 0, bytes = 0;
  int64_t first_source_offset = -1, last_source_offset = -1, next_source_offset = 0;
  int64_t target_end_offset = 0;
  std::string status;  // complete | failed | interrupted | pending
  std::string error;
};

struct RestoreReport {
  int format_version = kRestoreDocsFormatVersion;
  std::string restore_id;
  std::string backup_id;
  std::string target;  // the target's bootstrap servers, sorted, comma-separated
  std::optional<int64_t> time_window_start, time_window_end;
  bool complete = false;
  std::string status;  // complete | interrupted | partial | failed
  bool resumed = false;
  uint64_t records = 0, bytes = 0;                    // the whole restore, resumed runs included
  uint64_t records_this_run = 0, bytes_this_run = 0;  // this run only
  uint64_t bytes_read_from_storage = 0;
  uint64_t backup_stored_bytes = 0;
  double seconds = 0;
  double mb_per_second = 0;  // this run's throughput
  int64_t started_at_ms = 0, finished_at_ms = 0;
  uint64_t partitions_total = 0, partitions_complete = 0;
  std::vector<std::string> errors;
  // What offset-reset takes as its defaults.
  std::string consumer_group_strategy;
  std::string snapshot_id;
  std::string fingerprint;
  int part = 0, parts = 1;                 // a part of a parallel restore: part `part` of `parts`
  std::vector<std::string> part_restores;  // a merged parallel restore: the parts' restore ids
  std::vector<RestoreReportPartition> partitions;
};

std::string Serialize(const RestoreProgress& p);
std::string Serialize(const RestoreReport& r);
// The report as the CLI prints it (the stored document's fields).
nlohmann::json ToJson(const RestoreReport& r);

// `key` names the object in errors.
Result<RestoreProgress> ParseRestoreProgress(const std::string& text, const std::string& key);
Result<RestoreReport> ParseRestoreReport(const std::string& text, const std::string& key);

}  // namespace kb::format
