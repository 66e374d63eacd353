// Segment objects: a partition's records in compressed, checksummed blocks with a footer index.
// The byte layout is specified in docs/FORMAT.md (format_version 1) and pinned by golden files.
//
// Writer contract: records are appended in strictly increasing offset order; a block is sealed
// (compressed + CRC32C) when its raw size reaches block_bytes; Finish() seals the last block,
// appends the footer index and trailer, and returns the whole object. Compression happens in
// Append/Finish on the caller's thread, so callers keep it off the Kafka fetch path.
// Reader contract: opening reads only the trailer and footer (range GETs); ReadBlock fetches one
// block, verifies its CRC32C and decodes it. A checksum or parse failure is ErrorCode::kCorrupt
// naming the object key and block number.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "core/record.h"
#include "format/compression.h"
#include "storage/backend.h"

namespace kb::format {

struct SegmentOptions {
  Codec codec = Codec::kZstd;          // block compression
  int level = 3;                        // zstd level (1..19); ignored by lz4 and none
  size_t block_bytes = 256 * 1024;      // raw bytes per block before it is sealed
  // Expected object size (the caller's roll size), reserved up front: growing a 64 MiB buffer by
  // doubling copies it and touches twice its pages. Capped at kMaxReserveBytes; 0 = no reserve.
  size_t expected_bytes = 0;
  static constexpr size_t kMaxReserveBytes = 256 << 20;
};

// One block as the footer index describes it.
struct BlockInfo {
  uint64_t file_offset = 0;   // where the block starts in the object
  uint32_t stored_size = 0;   // bytes of the block on storage (header + payload)
  uint32_t raw_size = 0;      // uncompressed payload bytes
  uint32_t crc32c = 0;        // of the stored payload
  uint32_t record_count = 0;
  int64_t first_offset = 0, last_offset = 0;
  int64_t min_timestamp = 0, max_timestamp = 0;
};

// What the manifest records about a finished segment.
struct SegmentSummary {
  int64_t first_offset = -1, last_offset = -1;
  int64_t min_timestamp = INT64_MAX, max_timestamp = INT64_MIN;
  uint64_t record_count = 0;
  uint64_t raw_bytes = 0;      // sum of block raw sizes
  uint64_t stored_bytes = 0;   // object size
  uint32_t crc32c = 0;         // of the whole object
};

class SegmentWriter {
 public:
  explicit SegmentWriter(SegmentOptions options = {});
  // Fails with kInvalidArgument if the offset does not increase or a field exceeds its
  // encodable size (never truncates).
  Status Append(const Record& record);
  bool empty() const;
  uint64_t record_count() const;
  // Raw bytes appended so far (for segment_max_bytes rolling).
  uint64_t raw_bytes() const;
  // Seals everything and returns the object bytes; the writer is then empty and reusable.
  Result<std::string> Finish(SegmentSummary* summary);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

class SegmentReader {
 public:
  // Reads trailer + footer of `key` (object size `size`, 0 = ask the store).
  static Result<SegmentReader> Open(ObjectStore& store, const std::string& key, uint64_t size = 0);
  // Parses a whole object held in memory.
  static Result<SegmentReader> FromBytes(std::string bytes, const std::string& key_for_errors);

  // Largest request ReadBlock makes when it reads ahead.
  static constexpr uint64_t kReadAheadBytes = 4 << 20;

  const std::vector<BlockInfo>& blocks() const { return blocks_; }
  // Fetches (unless in memory), verifies and decodes block i. With read_through > i, the blocks
  // i..read_through are fetched in one request (up to kReadAheadBytes) and kept for the calls
  // that follow: on an object store every request costs a round trip. The records are decoded
  // into `reuse` (see DecodeRecords): a caller reading many blocks hands back the last block's
  // records, so their buffers serve the next one.
  Result<std::vector<Record>> ReadBlock(size_t i, size_t read_through = 0, std::vector<Record> reuse = {}) const;
  // Starts fetching what ReadBlock(i, read_through) will need, in the background, so the caller
  // can work on the blocks it has meanwhile. Only the latest prefetch is kept.
  void Prefetch(size_t i, size_t read_through) const;
  // Whether ReadBlock(i) needs no request (a whole object in memory, or block i read ahead).
  bool InMemory(size_t i) const;

 private:
  // End (object offset, exclusive) of block i and the adjacent blocks after it, up to
  // read_through, that fit in one request.
  uint64_t RangeEnd(size_t i, size_t read_through) const;

  ObjectStore* store_ = nullptr;
  std::string key_;
  std::string bytes_;  // whole object when built FromBytes
  std::vector<BlockInfo> blocks_;
  mutable std::string ahead_;          // blocks fetched ahead by ReadBlock
  mutable uint64_t ahead_offset_ = 0;  // object offset of ahead_[0]
  struct Prefetched {
    uint64_t offset = 0;
    Background<Result<std::string>> bytes;
  };
  mutable std::shared_ptr<Prefetched> prefetch_;  // shared: readers are copyable
};

}  // namespace kb::format
