// Encoding of records inside a raw (uncompressed) block, segment format_version 1.
// Private to src/format and its tests; docs/FORMAT.md ("Record encoding") is the specification.
//
// Each record is relative to the previous one in its block (for the first record: the block
// header's base_offset and base_timestamp), so the first record's deltas are both 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/record.h"

namespace kb::format {

// kInvalidArgument when a field cannot be encoded: a key, value or header length above
// 2^31-1, more than 2^31-1 headers, a negative offset, or an unknown timestamp type.
Status ValidateRecord(const Record& r);

// Upper bound of EncodeRecord's output for `r`, whatever the deltas are.
uint64_t MaxEncodedSize(const Record& r);

// Appends `r` to `out` (no other allocation). `r` must have passed ValidateRecord and its
// offset must be greater than prev_offset, or equal to it for a block's first record.
void EncodeRecord(const Record& r, int64_t prev_offset, int64_t prev_timestamp, std::string* out);

// Decodes exactly `count` records spanning all of `raw` into *out, replacing what it held: the
// records already there are decoded over, so their strings' buffers are reused. Any malformed or
// inconsistent byte is kCorrupt with a message saying what and where (record index); never reads
// out of bounds. After an error *out holds unspecified records.
Status DecodeRecords(std::string_view raw, uint32_t count, int64_t base_offset, int64_t base_timestamp,
                     std::vector<Record>* out);

}  // namespace kb::format
