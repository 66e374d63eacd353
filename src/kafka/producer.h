// Producer: writes records to explicit partitions, for restores.
//
// Contract:
// - Idempotent by default (enable.idempotence=true, acks=all): a retried send is never written
//   twice and each partition keeps the order of Produce calls.
// - Produce copies key, value and headers (null values kept null, order and duplicates kept),
//   then `extra_headers` after the record's own; the record's timestamp is sent as-is (a topic
//   with message.timestamp.type=LogAppendTime replaces it, as Kafka does). Records with
//   timestamp < 0 get the produce time.
// - A full local queue is waited out: Produce serves delivery reports and retries until there is
//   room or the stop flag is raised (kCancelled). A partition the producer's metadata does not show
//   yet (a topic just created) is waited for, metadata fetched again between tries, up to
//   KafkaClientConfig::retry_deadline. Leader changes during delivery are librdkafka's own retries
//   (bounded by delivery_timeout_ms).
// - Every record gets exactly one DeliveryReport (through the callback, when given), from inside
//   Poll, Produce or Flush on the calling thread. Per-partition progress is kept too.
// - Flush waits for every outstanding record; it fails if any record failed (the first error,
//   with its topic/partition) or if records are still outstanding at the timeout, or at the stop
//   grace after SIGINT/SIGTERM (kCancelled). WaitFor is the same wait for a part of what is queued:
//   one user's records, when several threads share the producer.
// - A fatal producer error (idempotence broken, fenced) makes every later call fail with kInternal.
// - Produce/Poll/Flush may be called from several threads; the callback then runs on any of them.
// - Destroying the producer without Flush drops what is not yet delivered (no callbacks run).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/record.h"
#include "kafka/client_config.h"
#include "kafka/types.h"

namespace kb::kafka {

struct ProducerOptions {
  std::string acks = "all";            // acks: all | 1 | 0 (0 cannot be idempotent)
  bool idempotent = true;              // enable.idempotence
  int linger_ms = 5;                   // linger.ms: wait to fill batches
  int batch_num_messages = 10000;      // batch.num.messages
  int batch_size = 1 << 20;            // batch.size: bytes per partition batch
  std::string compression = "lz4";     // compression.type: none | gzip | snappy | lz4 | zstd
  int queue_max_kbytes = 64 << 10;     // queue.buffering.max.kbytes: local buffer budget
  int queue_max_messages = 100000;     // queue.buffering.max.messages
  int delivery_timeout_ms = 300000;    // delivery.timeout.ms: a record fails after this long
  std::string transactional_id;        // "" = no transactions; else Produce only inside
                                       // BeginTransaction .. Commit/AbortTransaction
};

struct DeliveryReport {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;           // assigned by the broker; -1 when it failed, or when a success
                                 // came without one (a retry the broker took as already written)
  uint64_t tag = 0;              // what the caller passed to Produce
  std::optional<Error> error;    // set when the record was not written
  bool possibly_persisted = false;  // failed, but the broker may still have written it
};
using DeliveryCallback = std::function<void(const DeliveryReport&)>;

// What has been confirmed for one partition so far.
struct PartitionDelivery {
  uint64_t delivered = 0;
  uint64_t failed = 0;
  int64_t last_offset = -1;  // broker offset of the latest confirmed record
  uint64_t last_tag = 0;     // tag of that record
};

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> Create(const KafkaClientConfig& config, ProducerOptions options = {},
                                                  DeliveryCallback on_delivery = {});
  virtual ~Producer() = default;
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one record for topic/partition. Fails at once on a refused record (too large,
  // unknown partition), a fatal producer state, or stop.
  virtual Status Produce(const std::string& topic, int32_t partition, const Record& record, uint64_t tag = 0,
                         const std::vector<RecordHeader>& extra_headers = {}) = 0;
  // Waits (up to the retry deadline) until this producer's metadata shows `topic` with at least
  // `partitions` partitions, each with a leader. Optional: without it the first Produce to a topic
  // this producer has not seen waits for librdkafka's once-a-second topic scan (up to 1 s).
  virtual Status PrepareTopic(const std::string& topic, int32_t partitions) = 0;
  // Serves delivery reports for up to `timeout`; returns how many events were served.
  virtual int Poll(std::chrono::milliseconds timeout) = 0;
  // Waits until everything queued is delivered (or failed).
  virtual Status Flush(std::chrono::milliseconds timeout) = 0;
  // Serves delivery reports until `unsettled()` (the caller's count of its records without a
  // report yet) is 0. Ends like Flush at the timeout, the stop grace or a fatal error, but does not
  // fail for records that failed before: their reports have told the caller.
  virtual Status WaitFor(const std::function<uint64_t()>& unsettled, std::chrono::milliseconds timeout) = 0;

  // Transactions (only with ProducerOptions::transactional_id; Create already initialised them).
  // Commit flushes first; Abort discards what the transaction wrote (read_committed readers
  // never see it).
  virtual Status BeginTransaction() = 0;
  virtual Status CommitTransaction(std::chrono::milliseconds timeout) = 0;
  virtual Status AbortTransaction(std::chrono::milliseconds timeout) = 0;

  virtual uint64_t outstanding() const = 0;  // queued or in flight
  virtual std::optional<Error> first_error() const = 0;
  virtual std::map<TopicPartition, PartitionDelivery> deliveries() const = 0;

 protected:
  Producer() = default;
};

}  // namespace kb::kafka
