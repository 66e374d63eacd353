// MemoryKafka: a Kafka cluster in process memory, for unit tests of the engines (backup, restore)
// without a broker. It is a KafkaPort: the engines create their admin clients, consumers and
// producers through it, and every client shares the one cluster, so a test can add, delete and
// read records while an engine runs on its own threads.
//
// What it models (the contracts of kafka/admin_client.h, consumer.h, producer.h):
// - topics with partitions and their configs; each partition a log of records with every field,
//   dense offsets from a low watermark (log start) to a high watermark (next offset);
// - DeleteRecords moving the log start, so a reader behind it gets kOffsetOutOfRange;
// - a consumer's end-of-partition (kPartitionEof once per catch-up) and batch limits;
// - a producer's delivery reports (served from Poll/Flush), per-partition progress, the first
//   error, and message.timestamp.type=LogAppendTime;
// - consumer-group committed offsets (a group exists while it has offsets; it never has members);
// - faults: a producer whose broker goes away after N records, admin calls that fail.
// What it does not model: replication and leaders (one broker, every partition led by it),
// transactions, group membership (Subscribe/CommitOffsets fail), compaction, size limits,
// retries and timeouts (nothing is slow).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/record.h"
#include "kafka/port.h"

namespace kb::test {

class MemoryKafka : public kafka::KafkaPort {
 public:
  MemoryKafka();

  Result<std::unique_ptr<kafka::AdminClient>> CreateAdmin(const kafka::KafkaClientConfig& config) override;
  Result<std::unique_ptr<kafka::PartitionConsumer>> CreateConsumer(const kafka::KafkaClientConfig& config,
                                                                   kafka::ConsumerOptions options) override;
  Result<std::unique_ptr<kafka::Producer>> CreateProducer(const kafka::KafkaClientConfig& config,
                                                          kafka::ProducerOptions options,
                                                          kafka::DeliveryCallback on_delivery) override;

  // The test's side. Misuse (a topic that exists, a partition that does not) fails the test.
  void CreateTopic(const std::string& topic, int32_t partitions, const std::map<std::string, std::string>& configs = {});
  // Appends a record at the partition's end, as a producer would, but keeps its timestamp and
  // timestamp type exactly as given. Returns its offset (-1 on misuse).
  int64_t Append(const std::string& topic, int32_t partition, Record record);
  // What the partition holds now, in offset order (offsets set).
  std::vector<Record> Records(const std::string& topic, int32_t partition) const;
  kafka::WatermarkOffsets Watermarks(const std::string& topic, int32_t partition) const;
  // Moves the log start to `offset` (at most the end), as DeleteRecords or retention would.
  void DeleteRecordsBefore(const std::string& topic, int32_t partition, int64_t offset);
  // Producers made so far.
  int producers_created() const;

  // Faults, until ClearFaults. After `records` more records are accepted, every record produced
  // gets a failed delivery report (a broker that went away): nothing more is written.
  void FailProducesAfter(uint64_t records);
  // The `nth` record produced from now on (0 = the next) is reported delivered without an offset,
  // as librdkafka 2.0's idempotent producer reports a retry the broker took as already written.
  // `written` false: the broker never wrote it (seen right after a topic was created).
  void ConfirmWithoutOffset(uint64_t nth, bool written);
  // The `nth` record produced from now on (0 = the next) gets a failed delivery report and is not
  // written; the records after it are (a producer that is not idempotent).
  void FailOneProduce(uint64_t nth);
  // Delivery reports of records written to this partition are handed out by Flush and WaitFor only,
  // not by Poll: records still in flight while others are confirmed.
  void HoldReports(const std::string& topic, int32_t partition);
  // The next `calls` admin calls fail with kUnavailable (an unreachable cluster).
  void FailNextAdminCalls(int calls);
  void ClearFaults();

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::atomic<int> producers_created_{0};
};

}  // namespace kb::test
