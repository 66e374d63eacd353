// CRC32C (Castagnoli), the checksum of every stored block and segment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kb {

// Extends `crc` (0 to start) over `data`.
uint32_t Crc32c(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(std::string_view s) { return Crc32c(0, s.data(), s.size()); }

}  // namespace kb
