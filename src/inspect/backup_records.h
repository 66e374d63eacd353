// Reading records straight from a backup, with no Kafka cluster (`kafka-backup cat`).
//
// Contract: partitions are read one after another, topics by name, partitions by number,
// records in offset order (not merged by timestamp). The time window prunes segments and blocks
// exactly as a restore does (restore/window_scan.h), so only the blocks that can hold an
// in-window record are fetched; the key and grep filters apply to the records of those blocks.
// With a limit, reading stops at the limit and nothing is fetched ahead of need.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/record.h"
#include "restore/window_scan.h"
#include "storage/backend.h"

namespace kb {

struct RecordFilter {
  std::string topic;                 // "" = every topic of the backup
  std::optional<int32_t> partition;  // unset = every partition
  TimeWindow window;                 // inclusive, by record timestamp; unset bounds are open
  std::optional<std::string> key;    // exact key bytes; a null key never matches
  std::string grep;                  // POSIX extended regex (grep -E) searched in the value; "" = any
  uint64_t limit = 0;                // stop after this many matching records; 0 = no limit
};

struct RecordScanStats {
  uint64_t partitions = 0;       // partitions scanned
  uint64_t blocks_read = 0;      // blocks fetched and decoded
  uint64_t records_in_window = 0;
  uint64_t records_matched = 0;  // handed to the sink
  uint64_t bytes_read = 0;       // segment bytes read from storage (the catalog not included)
  bool stopped_by_sink = false;  // the sink asked to stop (e.g. its output closed)
};

// Receives one matching record; returns false to stop reading.
using RecordSink = std::function<bool(const std::string& topic, int32_t partition, const Record& record)>;

// Streams the records of backup `backup_id` that pass `filter` to `sink`. Fails with
// kInvalidArgument on a bad regex, kNotFound on a backup, topic or partition the backup lacks
// (naming what it has), kCancelled when a stop was requested (SIGINT/SIGTERM), and with the
// storage error (naming segment and block) when a read fails.
Result<RecordScanStats> StreamBackupRecords(ObjectStore& store, const std::string& backup_id,
                                            const RecordFilter& filter, const RecordSink& sink);

}  // namespace kb
