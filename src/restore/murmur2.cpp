#include "restore/murmur2.h"

namespace kb {

int32_t Murmur2(std::string_view data) {
  // Unsigned arithmetic gives the same bits as Java's wrapping int arithmetic.
  const uint32_t m = 0x5bd1e995u;
  const int r = 24;
  const uint32_t length = static_cast<uint32_t>(data.size());
  uint32_t h = 0x9747b28cu ^ length;
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data[i])); };
  const size_t blocks = data.size() / 4;
  for (size_t i = 0; i < blocks; ++i) {
    size_t b = i * 4;
    uint32_t k = byte(b) | (byte(b + 1) << 8) | (byte(b + 2) << 16) | (byte(b + 3) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  size_t tail = blocks * 4;
  switch (data.size() % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t KafkaPartitionForKey(std::string_view key, int32_t partition_count) {
  if (partition_count <= 0) return 0;
  return static_cast<int32_t>((static_cast<uint32_t>(Murmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partition_count));
}

}  // namespace kb
