#include "format/segment.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <utility>

#include "core/crc32c.h"
#include "format/byte_io.h"
#include "format/codec.h"
#include "format/record_codec.h"
#include "format/segment_layout.h"

namespace kb::format {

// ---------------------------------------------------------------------------------------------
// Writer

// Blocks smaller than this are always compressed with the configured codec.
constexpr size_t kAdaptiveMinBlock = 16 << 10;
// After a block that did not compress, this many blocks are stored raw before trying again,
// doubled after each further miss up to kMaxRawBlocksAfterMiss: a partition of random or
// encrypted values then spends under 1% of its blocks on compression attempts.
constexpr int kRawBlocksAfterMiss = 8;
constexpr int kMaxRawBlocksAfterMiss = 128;

struct SegmentWriter::State {
  SegmentOptions options;
  std::string out;    // file header + sealed blocks; empty until the first record
  std::string block;  // raw records of the open block
  std::vector<BlockInfo> blocks;
  BlockInfo current;          // statistics of the open block
  int64_t base_timestamp = 0;  // first timestamp of the open block
  int64_t prev_timestamp = 0;  // last timestamp appended to the open block
  int64_t last_offset = -1;    // last offset appended to the segment
  uint64_t record_count = 0;
  uint64_t raw_bytes = 0;
  // CRC32C of out[0, crc_end), extended as blocks are sealed so Finish needs no second pass.
  uint32_t object_crc = 0;
  size_t crc_end = 0;
  // Blocks left to store uncompressed because recent data did not compress, and how many to skip
  // after the next miss (see Seal).
  int raw_blocks_left = 0;
  int raw_blocks_after_miss = kRawBlocksAfterMiss;

  void ExtendCrc() {
    object_crc = Crc32c(object_crc, out.data() + crc_end, out.size() - crc_end);
    crc_end = out.size();
  }

  void Reset() {
    out.clear();
    block.clear();
    blocks.clear();
    current = {};
    last_offset = -1;
    record_count = 0;
    raw_bytes = 0;
    object_crc = 0;
    crc_end = 0;
  }

  Status Seal() {
    if (block.empty()) return {};
    if (out.empty()) {
      // Pages of a large reservation are only touched as blocks are written.
      if (options.expected_bytes > 0)
        out.reserve(std::min(options.expected_bytes, SegmentOptions::kMaxReserveBytes) + (64 << 10));
      out.append(kFileMagic);
      PutU8(out, static_cast<uint8_t>(kSegmentFormatVersion));
      PutU16(out, 0);
    }
    const size_t header_pos = out.size();
    out.append(kBlockHeaderSize, '\0');
    // Incompressible data (already compressed or encrypted values) costs compression time for
    // nothing: a block that does not shrink by 2% is stored raw, and so are the next few before
    // compression is tried again. Readers follow each block's own codec byte. Small blocks are
    // left alone: they are cheap, and frame overhead makes them look incompressible.
    Codec codec = options.codec;
    if (codec != Codec::kNone && block.size() >= kAdaptiveMinBlock && raw_blocks_left > 0) {
      raw_blocks_left--;
      codec = Codec::kNone;
    }
    // One compression context per thread, not per writer: a zstd context holds about a MiB of
    // tables, and a backup keeps one writer open per partition it reads (64 partitions of small
    // records peaked at 322 MiB with one each).
    thread_local Compressor compressor;
    Status compressed = compressor.Compress(codec, options.level, block, &out);
    if (!compressed) {
      out.resize(header_pos);
      return compressed;
    }
    if (codec != Codec::kNone && block.size() >= kAdaptiveMinBlock &&
        (out.size() - header_pos - kBlockHeaderSize) * 100 > block.size() * 98) {
      out.resize(header_pos + kBlockHeaderSize);
      out.append(block);
      codec = Codec::kNone;
      raw_blocks_left = raw_blocks_after_miss;
      raw_blocks_after_miss = std::min(raw_blocks_after_miss * 2, kMaxRawBlocksAfterMiss);
    } else if (codec != Codec::kNone) {
      raw_blocks_after_miss = kRawBlocksAfterMiss;  // data that compresses again
    }
    const size_t payload_size = out.size() - header_pos - kBlockHeaderSize;
    if (payload_size > std::numeric_limits<uint32_t>::max() - kBlockHeaderSize) {
      out.resize(header_pos);
      return Fail(ErrorCode::kInvalidArgument, "compressed block of " + std::to_string(payload_size) +
                                                   " bytes does not fit the segment format");
    }
    const uint32_t crc = Crc32c(0, out.data() + header_pos + kBlockHeaderSize, payload_size);

    std::string header;
    header.reserve(kBlockHeaderSize);
    header.append(kBlockMagic);
    PutU8(header, static_cast<uint8_t>(codec));
    header.append(3, '\0');
    PutU32(header, current.record_count);
    PutU32(header, static_cast<uint32_t>(block.size()));
    PutU32(header, static_cast<uint32_t>(payload_size));
    PutU32(header, crc);
    PutI64(header, current.first_offset);
    PutI64(header, base_timestamp);
    out.replace(header_pos, kBlockHeaderSize, header);

    current.file_offset = header_pos;
    current.stored_size = static_cast<uint32_t>(kBlockHeaderSize + payload_size);
    current.raw_size = static_cast<uint32_t>(block.size());
    current.crc32c = crc;
    blocks.push_back(current);
    current = {};
    block.clear();
    ExtendCrc();
    return {};
  }
};

SegmentWriter::SegmentWriter(SegmentOptions options) : state_(std::make_shared<State>()) {
  state_->options = options;
}

bool SegmentWriter::empty() const { return state_->record_count == 0; }
uint64_t SegmentWriter::record_count() const { return state_->record_count; }
uint64_t SegmentWriter::raw_bytes() const { return state_->raw_bytes; }

Status SegmentWriter::Append(const Record& record) {
  State& s = *state_;
  KB_TRY(CheckCodecOptions(s.options.codec, s.options.level));
  KB_TRY(ValidateRecord(record));
  if (record.offset <= s.last_offset)
    return Fail(ErrorCode::kInvalidArgument,
                "record offset " + std::to_string(record.offset) + " does not increase (previous " +
                    std::to_string(s.last_offset) + "); records must be appended in offset order");
  const uint64_t max_size = MaxEncodedSize(record);
  if (max_size > kMaxBlockRawBytes)
    return Fail(ErrorCode::kInvalidArgument, "record at offset " + std::to_string(record.offset) + " needs up to " +
                                                 std::to_string(max_size) + " bytes, above the block limit of " +
                                                 std::to_string(kMaxBlockRawBytes));
  if (!s.block.empty() && s.block.size() + max_size > kMaxBlockRawBytes) KB_TRY(s.Seal());

  BlockInfo& b = s.current;
  int64_t prev_offset = s.last_offset;
  if (s.block.empty()) {
    b.first_offset = record.offset;
    b.min_timestamp = b.max_timestamp = record.timestamp;
    s.base_timestamp = s.prev_timestamp = record.timestamp;
    prev_offset = record.offset;
  }
  const size_t before = s.block.size();
  EncodeRecord(record, prev_offset, s.prev_timestamp, &s.block);
  s.raw_bytes += s.block.size() - before;
  s.prev_timestamp = record.timestamp;
  s.last_offset = record.offset;
  ++s.record_count;
  ++b.record_count;
  b.last_offset = record.offset;
  b.min_timestamp = std::min(b.min_timestamp, record.timestamp);
  b.max_timestamp = std::max(b.max_timestamp, record.timestamp);

  if (s.block.size() >= s.options.block_bytes) KB_TRY(s.Seal());
  return {};
}

Result<std::string> SegmentWriter::Finish(SegmentSummary* summary) {
  State& s = *state_;
  if (s.record_count > 0) KB_TRY(CheckCodecOptions(s.options.codec, s.options.level));
  KB_TRY(s.Seal());
  if (s.out.empty()) {  // no records: a valid segment with zero blocks
    s.out.append(kFileMagic);
    PutU8(s.out, static_cast<uint8_t>(kSegmentFormatVersion));
    PutU16(s.out, 0);
  }

  const uint64_t footer_offset = s.out.size();
  s.out.append(kFooterMagic);
  PutU32(s.out, static_cast<uint32_t>(s.blocks.size()));
  SegmentSummary sum;
  for (const BlockInfo& b : s.blocks) {
    PutU64(s.out, b.file_offset);
    PutU32(s.out, b.stored_size);
    PutU32(s.out, b.raw_size);
    PutU32(s.out, b.crc32c);
    PutU32(s.out, b.record_count);
    PutI64(s.out, b.first_offset);
    PutI64(s.out, b.last_offset);
    PutI64(s.out, b.min_timestamp);
    PutI64(s.out, b.max_timestamp);
    sum.record_count += b.record_count;
    sum.raw_bytes += b.raw_size;
    sum.min_timestamp = std::min(sum.min_timestamp, b.min_timestamp);
    sum.max_timestamp = std::max(sum.max_timestamp, b.max_timestamp);
  }
  const uint64_t footer_length = s.out.size() - footer_offset;
  if (footer_length > std::numeric_limits<uint32_t>::max()) {
    s.out.resize(footer_offset);
    return Fail(ErrorCode::kInvalidArgument, "segment has too many blocks for one footer: raise block_bytes");
  }
  PutU64(s.out, footer_offset);
  PutU32(s.out, static_cast<uint32_t>(footer_length));
  PutU32(s.out, Crc32c(0, s.out.data() + footer_offset, footer_length));
  PutU16(s.out, kSegmentFormatVersion);
  PutU16(s.out, 0);
  s.out.append(kTrailerMagic);

  if (!s.blocks.empty()) {
    sum.first_offset = s.blocks.front().first_offset;
    sum.last_offset = s.blocks.back().last_offset;
  }
  sum.stored_bytes = s.out.size();
  s.ExtendCrc();
  sum.crc32c = s.object_crc;
  if (summary) *summary = sum;
  std::string bytes = std::move(s.out);
  s.Reset();
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Reader

namespace {

constexpr const char* kDamaged =
    "; the object is damaged or was not written by kafka-backup: restore it from another copy "
    "or back up this offset range again";

tl::unexpected<Error> CorruptAt(const std::string& key, const std::string& where, const std::string& what) {
  return FailDataLoss("segment key=" + key + " " + where + ": " + what + kDamaged);
}

std::string BlockWhere(size_t i) { return "block=" + std::to_string(i); }

struct Trailer {
  uint64_t footer_offset = 0;
  uint32_t footer_length = 0;
  uint32_t footer_crc32c = 0;
};

Result<Trailer> ParseTrailer(std::string_view bytes, uint64_t file_size, const std::string& key) {
  auto bad = [&](const std::string& what) { return CorruptAt(key, "trailer", what); };
  if (bytes.size() != kTrailerSize) return bad("short read of " + std::to_string(bytes.size()) + " bytes");
  ByteReader in(bytes);
  Trailer t;
  uint16_t version = 0, reserved = 0;
  in.U64(&t.footer_offset);
  in.U32(&t.footer_length);
  in.U32(&t.footer_crc32c);
  in.U16(&version);
  in.U16(&reserved);
  if (!in.Magic(kTrailerMagic)) return bad("end magic \"KBSEGEND\" missing (not a segment, or truncated)");
  if (version != kSegmentFormatVersion)
    return bad("unsupported segment format_version " + std::to_string(version) + " (this build reads " +
               std::to_string(kSegmentFormatVersion) + "; a newer kafka-backup may read it)");
  if (reserved != 0) return bad("reserved field is not zero");
  if (t.footer_offset < kFileHeaderSize || t.footer_length < kFooterHeaderSize ||
      t.footer_offset > file_size || file_size - t.footer_offset != t.footer_length + uint64_t{kTrailerSize})
    return bad("footer position " + std::to_string(t.footer_offset) + "+" + std::to_string(t.footer_length) +
               " does not match the object size " + std::to_string(file_size));
  return t;
}

Result<std::vector<BlockInfo>> ParseFooter(std::string_view bytes, const Trailer& t, const std::string& key) {
  auto bad = [&](const std::string& what) { return CorruptAt(key, "footer", what); };
  if (bytes.size() != t.footer_length) return bad("short read of " + std::to_string(bytes.size()) + " bytes");
  const uint32_t crc = Crc32c(bytes);
  if (crc != t.footer_crc32c) return bad("crc32c mismatch (trailer says " + std::to_string(t.footer_crc32c) +
                                         ", computed " + std::to_string(crc) + ")");
  ByteReader in(bytes);
  uint32_t count = 0;
  if (!in.Magic(kFooterMagic) || !in.U32(&count)) return bad("footer magic \"KBFT\" missing");
  if (in.remaining() / kFooterEntrySize < count || in.remaining() != uint64_t{count} * kFooterEntrySize)
    return bad("footer length " + std::to_string(t.footer_length) + " does not hold " + std::to_string(count) +
               " block entries");
  std::vector<BlockInfo> blocks(count);
  uint64_t expected_offset = kFileHeaderSize;
  for (uint32_t i = 0; i < count; ++i) {
    BlockInfo& b = blocks[i];
    in.U64(&b.file_offset);
    in.U32(&b.stored_size);
    in.U32(&b.raw_size);
    in.U32(&b.crc32c);
    in.U32(&b.record_count);
    in.I64(&b.first_offset);
    in.I64(&b.last_offset);
    in.I64(&b.min_timestamp);
    in.I64(&b.max_timestamp);
    auto bad_entry = [&](const std::string& what) {
      return CorruptAt(key, "footer entry for " + BlockWhere(i), what);
    };
    if (b.file_offset != expected_offset)
      return bad_entry("block starts at " + std::to_string(b.file_offset) + ", expected " +
                       std::to_string(expected_offset));
    if (b.stored_size < kBlockHeaderSize || b.stored_size > t.footer_offset - b.file_offset)
      return bad_entry("stored size " + std::to_string(b.stored_size) + " does not fit the object");
    if (b.raw_size > kMaxBlockRawBytes) return bad_entry("raw size " + std::to_string(b.raw_size) + " too large");
    if (b.record_count == 0) return bad_entry("block has no records");
    if (b.first_offset < 0 || b.last_offset < b.first_offset ||
        static_cast<uint64_t>(b.last_offset) - static_cast<uint64_t>(b.first_offset) < b.record_count - 1)
      return bad_entry("offset range " + std::to_string(b.first_offset) + ".." + std::to_string(b.last_offset) +
                       " cannot hold " + std::to_string(b.record_count) + " records");
    if (i > 0 && b.first_offset <= blocks[i - 1].last_offset)
      return bad_entry("offsets overlap the previous block");
    if (b.min_timestamp > b.max_timestamp) return bad_entry("min timestamp exceeds max timestamp");
    expected_offset += b.stored_size;
  }
  if (expected_offset != t.footer_offset)
    return bad("blocks end at " + std::to_string(expected_offset) + " but the footer starts at " +
               std::to_string(t.footer_offset));
  return blocks;
}

}  // namespace

Result<SegmentReader> SegmentReader::Open(ObjectStore& store, const std::string& key, uint64_t size) {
  if (size == 0) {
    auto got = store.Size(key);
    if (!got) return Fail(got.error().With("segment key=" + key));
    size = *got;
  }
  if (size < kFileHeaderSize + kFooterHeaderSize + kTrailerSize)
    return CorruptAt(key, "trailer", "object of " + std::to_string(size) + " bytes is too small to be a segment");
  auto trailer_bytes = store.GetRange(key, size - kTrailerSize, kTrailerSize);
  if (!trailer_bytes) return Fail(trailer_bytes.error().With("segment key=" + key + " trailer"));
  KB_ASSIGN_OR_RETURN(Trailer trailer, ParseTrailer(*trailer_bytes, size, key));
  auto footer_bytes = store.GetRange(key, trailer.footer_offset, trailer.footer_length);
  if (!footer_bytes) return Fail(footer_bytes.error().With("segment key=" + key + " footer"));
  SegmentReader reader;
  KB_ASSIGN_OR_RETURN(reader.blocks_, ParseFooter(*footer_bytes, trailer, key));
  reader.store_ = &store;
  reader.key_ = key;
  return reader;
}

Result<SegmentReader> SegmentReader::FromBytes(std::string bytes, const std::string& key_for_errors) {
  const std::string& key = key_for_errors;
  if (bytes.size() < kFileHeaderSize + kFooterHeaderSize + kTrailerSize)
    return CorruptAt(key, "trailer",
                     "object of " + std::to_string(bytes.size()) + " bytes is too small to be a segment");
  ByteReader header(bytes);
  uint8_t version = 0;
  uint16_t reserved = 0;
  if (!header.Magic(kFileMagic) || !header.U8(&version) || !header.U16(&reserved))
    return CorruptAt(key, "header", "file magic \"KBSEG\" missing (not a segment)");
  if (version != kSegmentFormatVersion || reserved != 0)
    return CorruptAt(key, "header", "unsupported segment format_version " + std::to_string(version));
  const std::string_view all(bytes);
  KB_ASSIGN_OR_RETURN(Trailer trailer,
                      ParseTrailer(all.substr(all.size() - kTrailerSize), all.size(), key));
  SegmentReader reader;
  KB_ASSIGN_OR_RETURN(reader.blocks_,
                      ParseFooter(all.substr(trailer.footer_offset, trailer.footer_length), trailer, key));
  reader.key_ = key;
  reader.bytes_ = std::move(bytes);
  return reader;
}

uint64_t SegmentReader::RangeEnd(size_t i, size_t read_through) const {
  const BlockInfo& info = blocks_[i];
  uint64_t end = info.file_offset + info.stored_size;
  for (size_t next = i + 1; next <= read_through && next < blocks_.size(); ++next) {
    const BlockInfo& b = blocks_[next];
    if (b.file_offset != end || end + b.stored_size - info.file_offset > kReadAheadBytes) break;
    end += b.stored_size;
  }
  return end;
}

bool SegmentReader::InMemory(size_t i) const {
  if (store_ == nullptr) return true;
  if (i >= blocks_.size()) return false;
  const BlockInfo& b = blocks_[i];
  return b.file_offset >= ahead_offset_ && b.file_offset + b.stored_size <= ahead_offset_ + ahead_.size();
}

void SegmentReader::Prefetch(size_t i, size_t read_through) const {
  if (InMemory(i)) return;
  const uint64_t offset = blocks_[i].file_offset;
  if (prefetch_ && prefetch_->offset == offset) return;  // already on its way
  auto p = std::make_shared<Prefetched>();
  p->offset = offset;
  p->bytes = InBackground([store = store_, key = key_, offset, length = RangeEnd(i, read_through) - offset] {
    return store->GetRange(key, offset, length);
  });
  prefetch_ = std::move(p);
}

Result<std::vector<Record>> SegmentReader::ReadBlock(size_t i, size_t read_through, std::vector<Record> reuse) const {
  if (i >= blocks_.size())
    return Fail(ErrorCode::kInvalidArgument, "segment key=" + key_ + ": block " + std::to_string(i) +
                                                 " does not exist (the segment has " +
                                                 std::to_string(blocks_.size()) + " blocks)");
  const BlockInfo& info = blocks_[i];
  const std::string where = BlockWhere(i);
  auto bad = [&](const std::string& what) { return CorruptAt(key_, where, what); };

  std::string fetched;
  std::string_view stored;
  if (prefetch_ && prefetch_->offset == info.file_offset) {
    auto got = prefetch_->bytes.get();
    prefetch_.reset();
    if (!got) return Fail(got.error().With("segment key=" + key_ + " " + where));
    ahead_ = std::move(*got);
    ahead_offset_ = info.file_offset;
  }
  if (store_ == nullptr) {
    stored = std::string_view(bytes_).substr(info.file_offset, info.stored_size);  // bounds checked at open
  } else if (InMemory(i)) {
    stored = std::string_view(ahead_).substr(info.file_offset - ahead_offset_, info.stored_size);
  } else if (read_through > i) {
    // Block i and the adjacent blocks after it, up to read_through, in one request.
    uint64_t end = RangeEnd(i, read_through);
    ahead_.clear();
    auto got = store_->GetRange(key_, info.file_offset, end - info.file_offset);
    if (!got) return Fail(got.error().With("segment key=" + key_ + " " + where));
    ahead_ = std::move(*got);
    ahead_offset_ = info.file_offset;
    stored = std::string_view(ahead_).substr(0, info.stored_size);  // a short read fails below
  } else {
    auto got = store_->GetRange(key_, info.file_offset, info.stored_size);
    if (!got) return Fail(got.error().With("segment key=" + key_ + " " + where));
    fetched = std::move(*got);
    stored = fetched;
  }
  if (stored.size() != info.stored_size)
    return bad("short read: got " + std::to_string(stored.size()) + " of " + std::to_string(info.stored_size) +
               " bytes (object truncated?)");

  ByteReader in(stored);
  uint8_t codec_byte = 0;
  std::string_view reserved;
  uint32_t record_count = 0, raw_size = 0, payload_size = 0, crc = 0;
  int64_t base_offset = 0, base_timestamp = 0;
  if (!in.Magic(kBlockMagic)) return bad("block magic \"KBLK\" missing");
  in.U8(&codec_byte);
  in.Bytes(3, &reserved);
  in.U32(&record_count);
  in.U32(&raw_size);
  in.U32(&payload_size);
  in.U32(&crc);
  in.I64(&base_offset);
  in.I64(&base_timestamp);
  if (codec_byte > static_cast<uint8_t>(Codec::kLz4)) return bad("unknown codec " + std::to_string(codec_byte));
  if (reserved != std::string_view("\0\0\0", 3)) return bad("reserved header bytes are not zero");
  if (record_count != info.record_count || raw_size != info.raw_size || crc != info.crc32c ||
      base_offset != info.first_offset || uint64_t{payload_size} + kBlockHeaderSize != info.stored_size)
    return bad("block header disagrees with the footer index");
  const std::string_view payload = stored.substr(kBlockHeaderSize);
  const uint32_t actual_crc = Crc32c(payload);
  if (actual_crc != crc)
    return bad("crc32c mismatch (stored " + std::to_string(crc) + ", computed " + std::to_string(actual_crc) + ")");

  const auto codec = static_cast<Codec>(codec_byte);
  std::string decompressed;
  std::string_view raw = payload;
  if (codec != Codec::kNone || payload.size() != raw_size) {
    auto out = Decompress(codec, payload, raw_size);
    if (!out) return bad(out.error().message);
    decompressed = std::move(*out);
    raw = decompressed;
  }

  std::vector<Record> records = std::move(reuse);
  auto decoded = DecodeRecords(raw, record_count, base_offset, base_timestamp, &records);
  if (!decoded) return bad(decoded.error().message);
  int64_t min_ts = records.front().timestamp, max_ts = min_ts;
  for (const Record& r : records) {
    min_ts = std::min(min_ts, r.timestamp);
    max_ts = std::max(max_ts, r.timestamp);
  }
  if (records.back().offset != info.last_offset || min_ts != info.min_timestamp || max_ts != info.max_timestamp)
    return bad("decoded records disagree with the footer's offset or timestamp range");
  return records;
}

}  // namespace kb::format
