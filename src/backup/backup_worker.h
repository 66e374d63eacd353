// The backup's readers. Each worker owns one Kafka consumer and the partitions it reads: it
// seals their records into segments, stores each segment in the background while it reads on,
// and commits stored segments to the catalog in the order they were sealed, so a partition's
// chain never runs ahead of durable data. A partition whose segment, record or checkpoint
// cannot be stored stops there (the run fails): nothing read after the loss is committed, so a
// re-run reads the lost records again. Records deleted before they were read (offset out of
// range) are recorded as gaps.
//
// Scale-out (RunState::group_id set): the one worker is a member of the backup's consumer group.
// Each assignment begins a new catalog run (a higher epoch) and resumes every assigned partition
// from the catalog's head; each revocation stores and commits the partition's open segment first.
// A partition's position goes to the group's offsets only after its catalog commit, so Kafka's
// own tools show the backup's owner and lag.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "catalog/catalog_writer.h"
#include "catalog/lease.h"
#include "config/config.h"
#include "core/rate_limiter.h"
#include "core/time_util.h"
#include "format/segment.h"
#include "kafka/admin_client.h"
#include "kafka/client_config.h"
#include "kafka/port.h"
#include "metrics/progress.h"
#include "storage/backend.h"

namespace kb {

inline constexpr int64_t kNoEnd = INT64_MAX;
// Requests in flight at once while planning: watermarks and first catalog commits, per partition.
inline constexpr size_t kPlanThreads = 16;

struct PartitionJob {
  std::string topic;
  int32_t partition = 0;
  int64_t start = 0;  // next offset to read
  int64_t end = kNoEnd;  // stop here (exclusive); kNoEnd in continuous mode
};

// Shared state of one run.
struct RunState {
  const Config& config;
  ObjectStore& store;
  CatalogWriter& catalog;
  Progress& progress;
  kafka::AdminClient& admin;
  kafka::KafkaPort& kafka;  // creates the workers' consumers
  kafka::KafkaClientConfig kafka_config;
  format::SegmentOptions segment_options;
  bool continuous = false;
  // Scale-out (backup.coordination: kafka-group): this process is one member of `group_id` and
  // backs up what the group assigns it. Empty = not a group member.
  std::string group_id;
  CatalogWriter::RunOptions run_options;        // each assignment begins a new run with these
  RateLimiter* limiter = nullptr;               // backup.rate_limit_bytes_per_sec, all workers
  Lease* lease = nullptr;                       // announces the member's partitions (status)
  // Makes sure the catalog knows a topic the group assigned before the topic refresh saw it.
  std::function<Status(const std::string& topic, int32_t partition)> ensure_topic;

  std::mutex mu;
  std::deque<PartitionJob> pending;         // one-shot: pulled by workers, up to `share` open each
  size_t share = 1;                         // one-shot: partitions a worker reads at once
  std::vector<std::deque<PartitionJob>> inbox;  // continuous: per worker
  std::vector<std::string> errors;
  std::atomic<uint64_t> segments{0}, gaps{0}, gap_records{0}, offset_captures{0}, partitions{0},
      offset_captures_missed{0};
  std::atomic<int64_t> last_segment_ms{0}, last_capture_ms{0};
  std::atomic<bool> abort{false};           // a fatal error: every worker flushes and stops
  std::string cluster_error;                // last topic refresh failure (continuous), under mu
  int64_t cluster_error_since_ms = 0;
  std::string last_capture_error;           // last offset capture failure, "" after a success; under mu
  std::vector<std::string> subscription;    // group mode: topics to subscribe to, under mu
  uint64_t subscription_version = 0;        // bumped when `subscription` changes, under mu
  std::set<kafka::TopicPartition> assigned; // group mode: what this member owns now, under mu
  std::string member_id;                    // group mode, under mu

  void SetClusterError(const std::string& e) {
    std::lock_guard<std::mutex> lock(mu);
    if (cluster_error.empty() && !e.empty()) cluster_error_since_ms = NowMs();
    cluster_error = e;
  }

  void AddError(std::string e) {
    spdlog::error("{}", e);
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(std::move(e));
    abort = true;
  }
};


// Where a partition the backup does not hold yet starts, by backup.start_offset.
int64_t FreshStart(const StartOffset& start, const kafka::WatermarkOffsets& wm);

// Reads until the run ends (one-shot: no work left; continuous: stop or abort), then stores
// what it holds. Worker `index` of the run.
void RunWorker(RunState& run, size_t index);

}  // namespace kb
