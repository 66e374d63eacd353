// The restore's writers. The workers share one idempotent producer; each takes source partitions
// one after another: it reads a partition's records inside the window (WindowScan) and produces them,
// and goes on to the next partition without waiting for the broker. Checkpoints (every few seconds,
// and when a partition's records are all produced) move each partition's progress (next source
// offset, mapping so far, target end) over the records the broker has confirmed, in produce order,
// store the progress document, and finish the partitions whose records are all confirmed. Only
// the worker's end, and a stop, wait for every record.
// What a worker wrote past its last checkpoint (kill -9, a failed flush) is found on resume as the
// target's records past the recorded end (RestoreJob::tail_extra) and mapped, not produced again.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/rate_limiter.h"
#include "format/offset_mapping.h"
#include "format/restore_docs.h"
#include "kafka/client_config.h"
#include "kafka/port.h"
#include "metrics/progress.h"
#include "restore/restore_selection.h"
#include "restore/window_scan.h"
#include "storage/backend.h"

namespace kb {

// What a restore says of a target partition that does not hold the records it sent, in order.
inline constexpr const char* kTargetOutOfOrder =
    "the target partition does not hold the records sent to it, in order: a record the broker confirmed is "
    "missing or was written twice (produce_acks: \"1\" retries), or another producer writes to it. This restore "
    "will not be resumed: restore into a new topic, or again with restore.purge_topics: true";

// "topic=payments partition=3", as restore messages name a partition.
std::string RestoreWhere(const std::string& topic, int32_t partition);

// One source partition's state, as the progress object stores it.
struct RestoreJobState {
  int64_t next_source_offset = 0;  // first source offset not yet confirmed (or skipped)
  int64_t target_end = -1;         // exclusive target partition: its end after confirmed records
  uint64_t records = 0, bytes = 0;
  int64_t first_source_offset = -1, last_source_offset = -1;
  bool done = false;
  std::string status = "pending";  // pending | running | complete | failed | interrupted
  std::string error;
  PartitionMapping mapping;
  std::string target_error;  // the target no longer holds our records in order: never resumed
};

struct RestoreJob {
  SelectedPartition sel;
  RestoreJobState state;   // guarded by RestoreRun::mu
  int64_t tail_extra = 0;  // resume: records already in the target past state.target_end
  bool resumed = false;
};

// The job's state as the progress document stores it, and back (on resume).
format::RestorePartitionProgress ToProgress(const RestoreJob& j);
void FromProgress(const format::RestorePartitionProgress& p, RestoreJob& j);

// Shared state of one restore run: the jobs, and what every worker needs to write them.
struct RestoreRun {
  const Config& config;
  ObjectStore& store;
  std::string restore_id;
  std::string fingerprint;
  kafka::KafkaPort& kafka;  // creates the workers' producers
  kafka::KafkaClientConfig kafka_config;
  TimeWindow window;
  RateLimiter limiter;
  Progress& progress;
  bool add_headers = false;
  size_t workers = 1;

  std::mutex mu;
  std::vector<std::unique_ptr<RestoreJob>> jobs;
  size_t next_job = 0;
  int64_t created_at_ms = 0;

  RestoreJob* TakeJob() {
    std::lock_guard<std::mutex> lock(mu);
    while (next_job < jobs.size()) {
      RestoreJob* j = jobs[next_job++].get();
      if (!j->state.done) return j;
    }
    return nullptr;
  }

  // Writes the progress object; caller holds mu. A write within a second of the last one is left
  // to the next (or to the final one, `now`, after the workers).
  Status PersistLocked(bool now = false);
  std::chrono::steady_clock::time_point last_persist{};
  bool persist_pending = false;  // a write was skipped: the final one must happen
};

// Runs run.workers workers, sharing one producer, until no job is left.
void RunRestoreWorkers(RestoreRun& run);

// Tests: a checkpoint after every `records` records produced (0: the default), so that a small
// restore checkpoints while records are in flight.
void SetRestoreCheckpointRecordsForTests(uint64_t records);

}  // namespace kb
