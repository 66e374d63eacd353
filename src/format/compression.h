// The block compression of segments, as the segment header stores it and the config names it.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"

namespace kb::format {

enum class Codec : uint8_t { kNone = 0, kZstd = 1, kLz4 = 2 };
const char* CodecName(Codec c);                       // "none" | "zstd" | "lz4"
Result<Codec> ParseCodec(const std::string& name);    // the inverse; kInvalidArgument otherwise

}  // namespace kb::format
