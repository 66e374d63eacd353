// ClusterResetLookups: the real ResetLookups. Target lookups read the target cluster (a
// PartitionConsumer for record reads, AdminClient::OffsetsForTimes); source records come from
// the backup's segments in storage.
//
// Header lookups assume what a restore into a partition guarantees: records keep their source
// order, so x-original-offset increases with the target offset. They check the mapping's
// estimate first (two record reads) and fall back to a binary search over the partition.
// Not thread-safe: one planner at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "kafka/admin_client.h"
#include "kafka/consumer.h"
#include "kafka/port.h"
#include "offsets/offset_reset.h"
#include "storage/backend.h"

namespace kb::offsets {

// The x-original-offset header's value (decimal text, or 8 bytes big-endian), if present.
std::optional<int64_t> OriginalOffsetHeader(const Record& r);

class ClusterResetLookups : public ResetLookups {
 public:
  ClusterResetLookups(kafka::KafkaPort& kafka, kafka::KafkaClientConfig target, kafka::AdminClient& admin,
                      ObjectStore& store, std::string backup_id);
  ~ClusterResetLookups() override;

  Result<std::optional<int64_t>> FindByOriginalOffset(const std::string& topic, int32_t partition,
                                                      int64_t source_offset, int64_t hint) override;
  Result<std::optional<int64_t>> OffsetForTimestamp(const std::string& topic, int32_t partition,
                                                    int64_t timestamp_ms) override;
  Result<std::optional<Record>> SourceRecord(const std::string& topic, int32_t partition, int64_t offset) override;
  Result<std::optional<int64_t>> ScanForRecord(const std::string& topic, int32_t partition, const Record& source) override;

 private:
  // The first target record at or after `offset` (nullopt at the end).
  Result<std::optional<Record>> ReadAt(const std::string& topic, int32_t partition, int64_t offset);
  // Reads from `offset` on until a record satisfies `match` (nullopt at the end).
  Result<std::optional<Record>> ScanFrom(const std::string& topic, int32_t partition, int64_t offset,
                                         const std::function<bool(const Record&)>& match);
  Result<kafka::PartitionConsumer*> Consumer();

  kafka::KafkaPort& kafka_;
  kafka::KafkaClientConfig target_;
  kafka::AdminClient& admin_;
  ObjectStore& store_;
  std::string backup_id_;
  std::unique_ptr<kafka::PartitionConsumer> consumer_;
  std::set<kafka::TopicPartition> assigned_;
};

}  // namespace kb::offsets
