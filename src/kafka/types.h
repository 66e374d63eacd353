// Small value types shared by the Kafka clients.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

namespace kb::kafka {

// Kafka's special offsets, as librdkafka spells them, for assigning a consumer.
inline constexpr int64_t kOffsetBeginning = -2;  // the log start of the partition
inline constexpr int64_t kOffsetEnd = -1;        // the end: only records written after assign

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  bool operator==(const TopicPartition&) const = default;
};

struct WatermarkOffsets {
  int64_t low = -1;   // first offset still stored (log start)
  int64_t high = -1;  // next offset to be written (end)
};

// A consumer group's committed position on one partition: `offset` is the next record it reads.
struct GroupOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  std::string metadata;
};

// One consumer group's committed positions.
struct GroupOffsets {
  std::string group;
  std::string state;                 // "Empty", "Stable", ... when read
  std::vector<GroupOffset> offsets;  // sorted by topic, partition
};

// The committed positions of several groups, read at one time from one cluster.
struct CommittedOffsets {
  int64_t read_at_ms = 0;
  std::string cluster_id;
  std::vector<GroupOffsets> groups;  // sorted by group id
};

}  // namespace kb::kafka
