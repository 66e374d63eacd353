// Record: one Kafka record as backed up and restored, every field kept.
// Null and empty differ: std::nullopt is null, "" is empty, for key, value and header values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kb {

// Matches librdkafka's rd_kafka_timestamp_type_t values.
enum class TimestampType : int8_t { kNotAvailable = 0, kCreateTime = 1, kLogAppendTime = 2 };

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const RecordHeader&) const = default;
};

struct Record {
  int64_t offset = -1;
  int64_t timestamp = -1;  // epoch milliseconds
  TimestampType timestamp_type = TimestampType::kCreateTime;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<RecordHeader> headers;  // in order, duplicates allowed
  bool operator==(const Record&) const = default;

  // Bytes this record occupies in memory and in the segment, roughly: used for budgets.
  size_t ApproxBytes() const {
    size_t n = 32 + (key ? key->size() : 0) + (value ? value->size() : 0);
    for (const auto& h : headers) n += 8 + h.key.size() + (h.value ? h.value->size() : 0);
    return n;
  }
};

}  // namespace kb
