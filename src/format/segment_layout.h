// Constants of segment format_version 1 (docs/FORMAT.md is the specification). Private to
// src/format and its tests: changing any value here changes the persisted format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kb::format {

inline constexpr uint16_t kSegmentFormatVersion = 1;

// File header: "KBSEG", u8 format_version, u16 reserved (0).
inline constexpr std::string_view kFileMagic = "KBSEG";
inline constexpr size_t kFileHeaderSize = 8;

// Block header: "KBLK", u8 codec, 3 reserved bytes (0), u32 record_count, u32 raw_size,
// u32 payload_size, u32 payload_crc32c, i64 base_offset, i64 base_timestamp.
inline constexpr std::string_view kBlockMagic = "KBLK";
inline constexpr size_t kBlockHeaderSize = 40;

// Footer: "KBFT", u32 block_count, then one fixed-size entry per block.
inline constexpr std::string_view kFooterMagic = "KBFT";
inline constexpr size_t kFooterHeaderSize = 8;
inline constexpr size_t kFooterEntrySize = 56;

// Trailer (last bytes of the object): u64 footer_offset, u32 footer_length, u32 footer_crc32c,
// u16 format_version, u16 reserved (0), "KBSEGEND".
inline constexpr std::string_view kTrailerMagic = "KBSEGEND";
inline constexpr size_t kTrailerSize = 28;

// Largest raw block; equals LZ4_MAX_INPUT_SIZE so every codec accepts any block.
inline constexpr uint64_t kMaxBlockRawBytes = 0x7E000000;
// Largest key, value, header key or header value, and most headers per record.
inline constexpr uint64_t kMaxFieldBytes = 0x7FFFFFFF;

}  // namespace kb::format
