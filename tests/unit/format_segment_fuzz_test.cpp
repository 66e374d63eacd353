// Fuzz-like robustness tests: damaged segments (flipped bytes, truncation, garbage) must give
// ErrorCode::kCorrupt or valid records, never a crash or an out-of-bounds read. Seeds are fixed
// so a failure reproduces; run under the asan build to catch memory errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/crc32c.h"
#include "format/byte_io.h"
#include "format/codec.h"
#include "format/record_codec.h"
#include "format/segment.h"
#include "format/segment_layout.h"

namespace kb::format {
namespace {

class MapStore : public ObjectStore {
 public:
  Status Put(const std::string& key, const std::string& data) override {
    objects_[key] = data;
    return {};
  }
  Result<std::string> Get(const std::string& key) override { return GetRange(key, 0, UINT64_MAX); }
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    auto it = objects_.find(key);
    if (it == objects_.end()) return Fail(ErrorCode::kNotFound, "key=" + key);
    if (offset > it->second.size()) return std::string();
    return it->second.substr(offset, length);
  }
  Result<std::vector<ObjectInfo>> List(const std::string&, const ListOptions&) override { return std::vector<ObjectInfo>{}; }
  Result<DeleteResult> Delete(const std::string& key) override {
    objects_.erase(key);
    return DeleteResult{};
  }
  Result<uint64_t> Size(const std::string& key) override {
    auto it = objects_.find(key);
    if (it == objects_.end()) return Fail(ErrorCode::kNotFound, "key=" + key);
    return it->second.size();
  }
  std::string Describe() const override { return "map-store"; }

 private:
  std::map<std::string, std::string> objects_;
};

std::vector<Record> SampleRecords() {
  std::vector<Record> out;
  for (int i = 0; i < 60; ++i) {
    Record r;
    r.offset = 1000 + i * 3;
    r.timestamp = 1700000000000 + (i % 5) * 777 - i;
    r.timestamp_type = static_cast<TimestampType>(i % 3);
    if (i % 4 != 0) r.key = "key-" + std::to_string(i);
    if (i % 6 != 0) r.value = std::string(static_cast<size_t>(i * 7 % 90), static_cast<char>('a' + i % 26));
    for (int h = 0; h < i % 4; ++h)
      r.headers.push_back({"h" + std::to_string(h % 2), h == 1 ? std::nullopt : std::optional<std::string>("v")});
    out.push_back(r);
  }
  return out;
}

std::string Segment(Codec codec) {
  SegmentWriter writer(SegmentOptions{codec, 3, 600});
  for (const auto& r : SampleRecords()) EXPECT_TRUE(writer.Append(r));
  auto bytes = writer.Finish(nullptr);
  EXPECT_TRUE(bytes);
  return *bytes;
}

// Reads every block of a (possibly damaged) reader. Each block must either fail with kCorrupt
// or, when `expected` is given, equal the original records of that block.
void ReadEveryBlock(const SegmentReader& reader, const std::vector<std::vector<Record>>* expected) {
  for (size_t i = 0; i < reader.blocks().size(); ++i) {
    auto block = reader.ReadBlock(i);
    if (!block) {
      EXPECT_EQ(block.error().code, ErrorCode::kCorrupt) << block.error().ToString();
      continue;
    }
    const BlockInfo& info = reader.blocks()[i];
    ASSERT_EQ(block->size(), info.record_count);
    EXPECT_EQ(block->front().offset, info.first_offset);
    EXPECT_EQ(block->back().offset, info.last_offset);
    if (expected && i < expected->size()) {
      EXPECT_EQ(*block, (*expected)[i]) << "block " << i;
    }
  }
}

std::vector<std::vector<Record>> BlocksOf(const std::string& bytes) {
  auto reader = SegmentReader::FromBytes(bytes, "clean");
  EXPECT_TRUE(reader);
  std::vector<std::vector<Record>> out;
  for (size_t i = 0; i < reader->blocks().size(); ++i) out.push_back(*reader->ReadBlock(i));
  return out;
}

class FormatSegmentFuzzTest : public ::testing::TestWithParam<Codec> {};

TEST_P(FormatSegmentFuzzTest, RandomByteFlipsGiveCorruptOrOriginalRecords) {
  const std::string clean = Segment(GetParam());
  const auto expected = BlocksOf(clean);
  ASSERT_GT(expected.size(), 3u);
  std::mt19937_64 rng(20261124 + static_cast<int>(GetParam()));
  for (int iter = 0; iter < 1500; ++iter) {
    std::string bytes = clean;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);

    auto in_memory = SegmentReader::FromBytes(bytes, "fuzz");
    if (in_memory)
      ReadEveryBlock(*in_memory, &expected);
    else
      EXPECT_EQ(in_memory.error().code, ErrorCode::kCorrupt) << in_memory.error().ToString();

    MapStore store;
    ASSERT_TRUE(store.Put("fuzz", bytes));
    auto opened = SegmentReader::Open(store, "fuzz");
    if (opened)
      ReadEveryBlock(*opened, &expected);
    else
      EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt) << opened.error().ToString();
    if (HasFatalFailure()) return;
  }
}

TEST_P(FormatSegmentFuzzTest, EveryTruncationIsCorrupt) {
  const std::string clean = Segment(GetParam());
  for (size_t len = 0; len < clean.size(); ++len) {
    const std::string bytes = clean.substr(0, len);
    auto reader = SegmentReader::FromBytes(bytes, "cut");
    ASSERT_FALSE(reader) << "length " << len;
    EXPECT_EQ(reader.error().code, ErrorCode::kCorrupt);
    MapStore store;
    ASSERT_TRUE(store.Put("cut", bytes));
    auto opened = SegmentReader::Open(store, "cut");
    ASSERT_FALSE(opened) << "length " << len;
    EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
  }
}

// Damage that keeps every checksum valid reaches the footer validation, the decompressors and
// the record decoder: the checks behind the CRCs must hold on their own.
TEST_P(FormatSegmentFuzzTest, DamageBehindValidChecksumsNeverCrashes) {
  const std::string clean = Segment(GetParam());
  auto reader = SegmentReader::FromBytes(clean, "clean");
  ASSERT_TRUE(reader);
  const std::vector<BlockInfo> blocks = reader->blocks();
  const size_t footer_offset = clean.size() - kTrailerSize - kFooterHeaderSize - kFooterEntrySize * blocks.size();
  const size_t footer_length = clean.size() - kTrailerSize - footer_offset;

  auto fix_footer_crc = [&](std::string& bytes) {
    const uint32_t crc = Crc32c(0, bytes.data() + footer_offset, footer_length);
    StoreU32At(bytes, bytes.size() - kTrailerSize + 12, crc);
  };

  std::mt19937_64 rng(77 + static_cast<int>(GetParam()));
  for (int iter = 0; iter < 1500; ++iter) {
    std::string bytes = clean;
    if (iter % 2 == 0) {
      // Damage a block payload, then make its CRC (block header + footer entry) match again.
      const size_t b = rng() % blocks.size();
      const BlockInfo& info = blocks[b];
      const size_t payload = info.file_offset + kBlockHeaderSize;
      const size_t payload_size = info.stored_size - kBlockHeaderSize;
      for (int f = 0; f < 1 + static_cast<int>(rng() % 3); ++f)
        bytes[payload + rng() % payload_size] ^= static_cast<char>(1 + rng() % 255);
      const uint32_t crc = Crc32c(0, bytes.data() + payload, payload_size);
      StoreU32At(bytes, info.file_offset + 20, crc);
      StoreU32At(bytes, footer_offset + kFooterHeaderSize + b * kFooterEntrySize + 16, crc);
    } else {
      // Damage the footer index itself.
      for (int f = 0; f < 1 + static_cast<int>(rng() % 3); ++f)
        bytes[footer_offset + rng() % footer_length] ^= static_cast<char>(1 << (rng() % 8));
    }
    fix_footer_crc(bytes);
    auto damaged = SegmentReader::FromBytes(bytes, "deep");
    if (!damaged) {
      EXPECT_EQ(damaged.error().code, ErrorCode::kCorrupt) << damaged.error().ToString();
      continue;
    }
    ReadEveryBlock(*damaged, nullptr);
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, FormatSegmentFuzzTest, ::testing::Values(Codec::kNone, Codec::kZstd, Codec::kLz4),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

TEST(FormatRecordDecoderFuzzTest, MutatedRawBlocksDecodeOrFailCleanly) {
  std::string raw;
  int64_t prev_offset = 1000, prev_ts = SampleRecords()[0].timestamp;
  for (const auto& r : SampleRecords()) {
    EncodeRecord(r, prev_offset, prev_ts, &raw);
    prev_offset = r.offset;
    prev_ts = r.timestamp;
  }
  const auto count = static_cast<uint32_t>(SampleRecords().size());
  std::vector<Record> out;
  ASSERT_TRUE(DecodeRecords(raw, count, 1000, SampleRecords()[0].timestamp, &out));
  ASSERT_EQ(out, SampleRecords());

  // Decoded over other records (more of them, other shapes: the restore reuses a block's records
  // for the next), the result is the same, null and empty fields included.
  std::vector<Record> reused;
  for (int i = 0; i < 3; ++i)
    for (Record r : SampleRecords()) {
      std::swap(r.key, r.value);
      r.headers.push_back({"extra", std::nullopt});
      reused.push_back(std::move(r));
    }
  ASSERT_TRUE(DecodeRecords(raw, count, 1000, SampleRecords()[0].timestamp, &reused));
  ASSERT_EQ(reused, SampleRecords());

  std::mt19937_64 rng(4242);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string bytes = raw;
    switch (iter % 3) {
      case 0:
        for (int f = 0; f < 1 + static_cast<int>(rng() % 4); ++f)
          bytes[rng() % bytes.size()] = static_cast<char>(rng());
        break;
      case 1: bytes.resize(rng() % bytes.size()); break;
      default:
        bytes.resize(rng() % 64);
        for (auto& c : bytes) c = static_cast<char>(rng());
    }
    out.clear();
    const uint32_t n = (iter % 5 == 0) ? static_cast<uint32_t>(rng()) : count;
    auto st = DecodeRecords(bytes, n, static_cast<int64_t>(rng() >> 1), static_cast<int64_t>(rng()), &out);
    if (st) {
      EXPECT_EQ(out.size(), n);
    } else {
      EXPECT_EQ(st.error().code, ErrorCode::kCorrupt);
    }
  }
}

TEST(FormatCodecFuzzTest, GarbageInputToDecompressorsIsCorrupt) {
  std::mt19937_64 rng(99);
  Compressor compressor;
  std::string raw(3000, '\0');
  for (auto& c : raw) c = static_cast<char>('a' + rng() % 4);
  for (Codec codec : {Codec::kZstd, Codec::kLz4}) {
    std::string payload;
    ASSERT_TRUE(compressor.Compress(codec, 3, raw, &payload));
    for (int iter = 0; iter < 3000; ++iter) {
      std::string bytes = payload;
      if (iter % 2 == 0) {
        bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      } else {
        bytes.resize(rng() % 200);
        for (auto& c : bytes) c = static_cast<char>(rng());
      }
      const size_t raw_size = (iter % 3 == 0) ? rng() % 100000 : raw.size();
      auto out = Decompress(codec, bytes, raw_size);
      if (out) {
        EXPECT_EQ(out->size(), raw_size);
      } else {
        EXPECT_EQ(out.error().code, ErrorCode::kCorrupt) << out.error().ToString();
      }
    }
  }
}

}  // namespace
}  // namespace kb::format
