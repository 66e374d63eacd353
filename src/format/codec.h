// Block compression for segments: zstd, lz4 (block API) or none. Private to src/format.
// Compressor keeps one zstd context per writer so sealing a block does not reallocate it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "format/segment.h"

namespace kb::format {

inline constexpr int kMinZstdLevel = 1;
inline constexpr int kMaxZstdLevel = 22;

// kInvalidArgument for an unknown codec value or a zstd level outside 1..22.
Status CheckCodecOptions(Codec codec, int level);

class Compressor {
 public:
  Compressor();
  ~Compressor();
  Compressor(Compressor&&) noexcept;
  Compressor& operator=(Compressor&&) noexcept;

  // Appends the compressed form of `raw` to `out`. `raw` is at most kMaxBlockRawBytes.
  Status Compress(Codec codec, int level, std::string_view raw, std::string* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Restores exactly `raw_size` bytes from `payload` (kNone copies it after checking its size).
// Any mismatch is kCorrupt with a message that names the codec; garbage never crashes.
Result<std::string> Decompress(Codec codec, std::string_view payload, size_t raw_size);

}  // namespace kb::format
