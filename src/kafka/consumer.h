// PartitionConsumer: reads chosen partitions from chosen offsets, for backups.
//
// Contract:
// - No group membership and no commits: partitions are assigned explicitly with a start offset,
//   and the caller keeps its own position (the backup's resume point lives in storage).
// - Reads committed data only by default (aborted transactional records are never delivered;
//   transaction markers never are, in either mode).
// - Out-of-range is reported, never skipped: when a start offset is no longer stored (retention
//   or DeleteRecords removed it) Poll yields a kOffsetOutOfRange event for that partition and the
//   partition stops; the caller records the gap and calls Seek (e.g. to the low watermark).
// - The end of a partition (its current high watermark) yields a kPartitionEof event each time
//   the consumer catches up; more records may follow later.
// - Records keep every field: key and value with null distinct from empty, headers in order with
//   duplicates and null values, timestamp and its type, offset.
// - Memory is bounded: librdkafka prefetches at most ConsumerOptions::queued_max_kbytes (and
//   queued_min_messages records) and one Poll returns at most max_batch_records / max_batch_bytes.
//   When Poll empties a queue that had reached a limit it wakes the fetcher (see Poll).
// - Not thread-safe: one thread polls and assigns.
// - Group member (ConsumerOptions::listener set, for a scale-out backup): the consumer joins
//   group_id with the cooperative-sticky assignor and Subscribe()s instead of Assign()ing. The
//   group decides which partitions it reads; the listener hears of each change from inside Poll
//   (or Close) and says where each assigned partition starts. Nothing is committed to the group
//   except through CommitOffsets.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/record.h"
#include "kafka/client_config.h"
#include "kafka/types.h"

namespace kb::kafka {

// Told of a group member's assignment changes, on the polling thread, inside Poll or Close.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // The group gave these partitions to this member: returns where each starts reading (one
  // PartitionStart per partition; one left out starts at the group's committed offset).
  virtual std::vector<struct PartitionStart> OnAssigned(const std::vector<TopicPartition>& partitions) = 0;
  // These partitions are taken away once this returns. `lost`: this member was dropped from the
  // group (its session expired) and another member may own them already.
  virtual void OnRevoked(const std::vector<TopicPartition>& partitions, bool lost) = 0;
};

struct ConsumerOptions {
  bool read_committed = true;               // isolation.level read_committed (else read_uncommitted)
  std::string group_id;                     // "" = a private id; used only because librdkafka's
                                            // assign needs one: never joined, never committed
  RebalanceListener* listener = nullptr;    // set: join group_id as a member (see the contract)
  int fetch_max_bytes = 8 << 20;            // fetch.max.bytes: per fetch request
  int max_partition_fetch_bytes = 1 << 20;  // max.partition.fetch.bytes (a larger record still comes)
  int queued_max_kbytes = 16 << 10;         // queued.max.messages.kbytes: prefetch budget, all partitions
  int queued_min_messages = 100000;         // queued.min.messages: the same budget in records (small
                                            // records cost librdkafka far more than their bytes)
  int fetch_wait_max_ms = 100;              // fetch.wait.max.ms: broker wait for data
  size_t max_batch_records = 10000;         // one Poll returns at most this many events
  size_t max_batch_bytes = 8 << 20;         // ... or about this many record bytes
};

struct PartitionStart {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kOffsetBeginning;  // >= 0, kOffsetBeginning or kOffsetEnd
};

struct ConsumerEvent {
  enum class Kind {
    kRecord,            // `record` was read from topic/partition
    kPartitionEof,      // caught up: `offset` is the partition's end (next offset to be written)
    kOffsetOutOfRange,  // `offset` is no longer (or not yet) stored; the partition is stopped
    kError,             // `error`; topic empty when not about one partition. The consumer goes on.
  };
  Kind kind = Kind::kRecord;
  std::string topic;
  int32_t partition = -1;
  Record record;
  int64_t offset = -1;
  std::optional<Error> error;
};

class PartitionConsumer {
 public:
  static Result<std::unique_ptr<PartitionConsumer>> Create(const KafkaClientConfig& config,
                                                           ConsumerOptions options = {});
  virtual ~PartitionConsumer() = default;
  PartitionConsumer(const PartitionConsumer&) = delete;
  PartitionConsumer& operator=(const PartitionConsumer&) = delete;

  // Adds partitions to the assignment, each starting at its offset. A partition that is already
  // assigned is kInvalidArgument (use Seek).
  virtual Status Assign(const std::vector<PartitionStart>& partitions) = 0;
  // Stops reading these partitions. Unknown partitions are ignored.
  virtual Status Unassign(const std::vector<TopicPartition>& partitions) = 0;
  // Restarts one assigned partition at `offset` (also after kOffsetOutOfRange). Records of the
  // old position that were already fetched are dropped.
  virtual Status Seek(const std::string& topic, int32_t partition, int64_t offset) = 0;
  // Group member: reads what the group assigns of `topics` (the full list; a new call replaces
  // the last one, so topics can come and go).
  virtual Status Subscribe(const std::vector<std::string>& topics) = 0;
  // Group member: commits these positions (next offset to read) as the group's offsets, without
  // waiting; a failure (e.g. this member was fenced by a newer generation) is logged.
  virtual Status CommitOffsets(const std::vector<PartitionStart>& positions) = 0;
  // Group member: this member's id in the group ("" before it has joined).
  virtual std::string MemberId() const = 0;
  // Leaves the group (the listener hears the final revocation) and stops fetching. Also done by
  // the destructor; call it while the listener is still alive.
  virtual void Close() = 0;

  // The partitions currently assigned, sorted.
  virtual std::vector<TopicPartition> Assignment() const = 0;

  // Waits up to `timeout` for the first event, then returns it with whatever else is ready
  // (bounded by the batch limits). Empty when nothing arrived. Fails only on a fatal consumer
  // error (kInternal), after which the consumer is unusable.
  virtual Result<std::vector<ConsumerEvent>> Poll(std::chrono::milliseconds timeout) = 0;

  // Asks the partition leader for the current low/high watermarks, waiting `timeout` at most for
  // each (no retries: AdminClient::Watermarks retries).
  virtual Result<WatermarkOffsets> QueryWatermarks(
      const std::string& topic, int32_t partition,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) = 0;

 protected:
  PartitionConsumer() = default;
};

}  // namespace kb::kafka
