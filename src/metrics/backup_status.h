// What /metrics and /health say about a running backup: a plain snapshot the engine fills on
// request, and the two pure renderings of it (Prometheus text exposition format 0.0.4, and a
// health verdict with its JSON body).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/outage.h"

namespace kb::metrics {

struct BackupStatus {
  std::string backup_id;
  std::string mode;                 // one-shot | snapshot | continuous
  double uptime_seconds = 0;
  uint64_t records = 0;             // records read from Kafka
  uint64_t bytes = 0;               // their raw bytes
  uint64_t stored_bytes = 0;        // segment bytes written to storage
  uint64_t segments = 0;
  uint64_t gaps = 0;
  uint64_t gap_records = 0;
  uint64_t partitions = 0;          // partitions being backed up
  uint64_t offset_captures = 0;     // consumer-group offset captures stored
  uint64_t catalog_commits = 0;     // catalog commits written by this run
  uint64_t catalog_bytes = 0;       // catalog metadata bytes written by this run
  uint64_t prune_passes = 0, prune_failures = 0;          // backup.retention passes
  uint64_t pruned_objects = 0, pruned_bytes = 0;          // removed by them
  int64_t last_segment_ms = 0;      // wall-clock ms of the last stored segment; 0 = none yet
  int64_t last_capture_ms = 0;      // wall-clock ms of the last stored offset capture; 0 = none yet
  std::vector<std::string> errors;  // failures that stop the backup (partition, storage, manifest)
  std::string cluster_error;        // the last topic refresh failed with this; "" when it worked
  int64_t cluster_error_since_ms = 0;
  OutageState storage;              // storage retried through an outage (storage.retry_deadline_ms)
  // Consumer-group offset captures that failed (continuous mode goes on and tries again).
  uint64_t offset_captures_missed = 0;
  std::string last_capture_error;   // "" once a capture succeeded again
  // Scale-out (backup.coordination: kafka-group): this process's group, its member id, and the
  // partitions the group assigned it ("topic/partition", sorted).
  std::string group, member_id;
  std::vector<std::string> assigned;
};

// Prometheus text format: kafka_backup_* counters and gauges, each with HELP and TYPE, labelled
// with backup_id.
std::string RenderPrometheus(const BackupStatus& status);

// {"status":"ok"|"degraded"|"failing", "problems":[...], "warnings":[...], ...}: 200 "ok" when
// the backup is making progress as configured (a missed offset capture is only a warning); 503
// "degraded" while it rides out a fault (cluster unreachable, storage retrying); 503 "failing"
// once it has failed. `now_ms` is wall-clock time.
std::pair<int, std::string> RenderHealth(const BackupStatus& status, int64_t now_ms);

}  // namespace kb::metrics
