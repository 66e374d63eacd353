// Murmur2 as Kafka's Java client computes it (org.apache.kafka.common.utils.Utils.murmur2,
// seed 0x9747b28c), and the default partitioner's choice for a keyed record:
// (murmur2(key) & 0x7fffffff) % partition_count. librdkafka's "murmur2" partitioners agree.
#pragma once

#include <cstdint>
#include <string_view>

namespace kb {

int32_t Murmur2(std::string_view data);
// The partition Kafka's default partitioner picks for `key` among `partition_count` partitions.
int32_t KafkaPartitionForKey(std::string_view key, int32_t partition_count);

}  // namespace kb
