// CRC32C (Castagnoli), the checksum of every stored block and segment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kb {

// Extends `crc` (0 to start) over `data`. Uses the CPU's crc32 instruction (SSE4.2) when it has
// one, else a table-driven loop; both give the same result.
uint32_t Crc32c(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(std::string_view s) { return Crc32c(0, s.data(), s.size()); }

// The two implementations, for tests. Crc32cHardware must only be called when
// Crc32cHardwareAvailable() says so.
uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t size);
uint32_t Crc32cHardware(uint32_t crc, const void* data, size_t size);
bool Crc32cHardwareAvailable();

}  // namespace kb
