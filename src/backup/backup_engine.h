// BackupEngine: copies the selected topics' records into segments in storage and keeps the
// backup's manifest, in one of three modes:
//   one-shot   - each partition up to the end offset it had when the backup started;
//   snapshot   - (stop_at_current_offsets) every partition's end offset is captured before
//                anything is read, and the backup never goes past it;
//   continuous - follows new records and newly created matching topics until SIGINT/SIGTERM,
//                then flushes and returns normally.
// Durability order: a segment is stored before the manifest references it, and the resume
// checkpoint (next_offset) never runs ahead of stored data, so kill -9 at any moment loses
// nothing and a re-run with the same backup_id resumes without duplicating. Each worker writes
// one sealed segment in the background while it reads on, and commits it only once stored.
// A partition whose segment, record or checkpoint cannot be stored stops there (the run fails):
// nothing read after the loss is committed, so a re-run reads the lost records again.
// Records deleted before they were read (offset out of range) are recorded as gaps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "kafka/port.h"
#include "metrics/backup_status.h"
#include "storage/backend.h"

namespace kb {

struct BackupSummary {
  std::string backup_id;
  std::string mode;
  int topics = 0;
  int partitions = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;          // raw record bytes read
  uint64_t stored_bytes = 0;   // segment bytes written
  uint64_t segments = 0;
  uint64_t gaps = 0;           // gaps found in this run
  uint64_t gap_records = 0;    // offsets lost to them
  double seconds = 0;
  double mb_per_second = 0;
  bool interrupted = false;    // stopped by a signal (continuous mode: a normal end)
  std::vector<std::string> errors;  // per-partition failures; non-empty = run failed
};

// What a caller runs beside a backup without the engine knowing what it is (the backup workflow's
// retention). Each is optional.
struct BackupHooks {
  std::function<void()> started;                        // the run has begun in the catalog; reading starts
  std::function<void(metrics::BackupStatus&)> status;   // adds to /health and /metrics (another thread)
  std::function<void()> reading_done;                   // the readers have stopped; status is not called again
};

class BackupEngine {
 public:
  BackupEngine(const Config& config, ObjectStore& store, kafka::KafkaPort& kafka = kafka::LibrdkafkaPort(),
               BackupHooks hooks = {});
  // Runs to the end of the mode. Fails before reading on bad config, unreachable cluster or a
  // missing literal topic; a run with partition failures returns a summary with `errors` set.
  Result<BackupSummary> Run();

 private:
  const Config& config_;
  ObjectStore& store_;
  kafka::KafkaPort& kafka_;
  BackupHooks hooks_;
};

}  // namespace kb
