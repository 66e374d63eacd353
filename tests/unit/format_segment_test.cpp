// Segment writer/reader: round trips of every record field case with every codec, block
// splitting, footer statistics, range reads through an ObjectStore, and corruption detection.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
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

// A minimal in-memory ObjectStore that counts calls, so tests can assert how a reader fetches.
class CountingStore : public ObjectStore {
 public:
  Status Put(const std::string& key, const std::string& data) override {
    objects_[key] = data;
    return {};
  }
  Result<std::string> Get(const std::string& key) override {
    auto it = objects_.find(key);
    if (it == objects_.end()) return Fail(ErrorCode::kNotFound, "key=" + key + " not found");
    CountRead(it->second.size());
    return it->second;
  }
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    ++range_gets;
    auto it = objects_.find(key);
    if (it == objects_.end()) return Fail(ErrorCode::kNotFound, "key=" + key + " not found");
    if (offset > it->second.size()) return std::string();
    std::string out = it->second.substr(offset, length);
    CountRead(out.size());
    return out;
  }
  Result<std::vector<ObjectInfo>> List(const std::string&, const ListOptions&) override { return std::vector<ObjectInfo>{}; }
  Result<DeleteResult> Delete(const std::string& key) override {
    objects_.erase(key);
    return DeleteResult{};
  }
  Result<uint64_t> Size(const std::string& key) override {
    ++size_calls;
    auto it = objects_.find(key);
    if (it == objects_.end()) return Fail(ErrorCode::kNotFound, "key=" + key + " not found");
    return it->second.size();
  }
  std::string Describe() const override { return "counting-store"; }

  int range_gets = 0;
  int size_calls = 0;

 private:
  std::map<std::string, std::string> objects_;
};

Record Rec(int64_t offset, int64_t timestamp, std::optional<std::string> key, std::optional<std::string> value,
           std::vector<RecordHeader> headers = {}, TimestampType type = TimestampType::kCreateTime) {
  Record r;
  r.offset = offset;
  r.timestamp = timestamp;
  r.timestamp_type = type;
  r.key = std::move(key);
  r.value = std::move(value);
  r.headers = std::move(headers);
  return r;
}

// Every field case the format must keep apart.
std::vector<Record> EveryFieldCase() {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) ^ (i >> 7));
  return {
      Rec(0, 1700000000000, std::nullopt, std::nullopt),
      Rec(1, 1700000000001, std::string(), std::string()),
      Rec(2, 1700000000002, std::nullopt, std::string()),
      Rec(3, 1700000000003, std::string(), std::nullopt),
      Rec(4, 1700000000004, std::string("k"), std::string("v"),
          {{"trace", std::string("a")}, {"trace", std::string("b")}, {"nullable", std::nullopt},
           {"empty", std::string()}, {"", std::string("empty key")}}),
      Rec(5, 1699999999000, std::string("late"), std::string("older timestamp"), {}, TimestampType::kLogAppendTime),
      Rec(6, -1, std::string("no-ts"), std::string("x"), {}, TimestampType::kNotAvailable),
      Rec(9, std::numeric_limits<int64_t>::max(), std::string("gap"), std::string("after 7,8 compacted")),
      Rec(10, std::numeric_limits<int64_t>::min(), std::string(std::string_view("\0bin\xff", 5)),
          std::string(std::string_view("\x00\x01\x02", 3))),
      Rec(1000, 0, std::string("big"), big, {{"h", big.substr(0, 4096)}}),
      Rec(1'000'000'000'000, 1700000000005, std::string("far"), std::string("jump")),
  };
}

std::string WriteSegment(const std::vector<Record>& records, SegmentOptions options,
                         SegmentSummary* summary = nullptr) {
  SegmentWriter writer(options);
  for (const auto& r : records) {
    auto st = writer.Append(r);
    EXPECT_TRUE(st) << st.error().ToString();
  }
  auto bytes = writer.Finish(summary);
  EXPECT_TRUE(bytes) << bytes.error().ToString();
  return bytes ? *bytes : std::string();
}

std::vector<Record> ReadAll(const SegmentReader& reader) {
  std::vector<Record> out;
  for (size_t i = 0; i < reader.blocks().size(); ++i) {
    auto block = reader.ReadBlock(i);
    EXPECT_TRUE(block) << block.error().ToString();
    if (!block) break;
    out.insert(out.end(), block->begin(), block->end());
  }
  return out;
}

std::vector<Record> ManyRecords(int n, int64_t first_offset = 0) {
  std::vector<Record> out;
  for (int i = 0; i < n; ++i)
    out.push_back(Rec(first_offset + i * 2, 1700000000000 + (i % 7) * 1000 - i, "key-" + std::to_string(i),
                      "value-" + std::to_string(i) + std::string(80, 'v'), {{"i", std::to_string(i)}}));
  return out;
}

class FormatSegmentCodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(FormatSegmentCodecTest, RoundTripKeepsEveryFieldCase) {
  const auto records = EveryFieldCase();
  SegmentOptions options;
  options.codec = GetParam();
  SegmentSummary summary;
  const std::string bytes = WriteSegment(records, options, &summary);
  auto reader = SegmentReader::FromBytes(bytes, "t/seg.kbs");
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_EQ(ReadAll(*reader), records);
  EXPECT_EQ(summary.record_count, records.size());
  EXPECT_EQ(summary.first_offset, 0);
  EXPECT_EQ(summary.last_offset, 1'000'000'000'000);
  EXPECT_EQ(summary.min_timestamp, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(summary.max_timestamp, std::numeric_limits<int64_t>::max());
}

TEST_P(FormatSegmentCodecTest, MultiBlockSegmentRoundTripsThroughStore) {
  const auto records = ManyRecords(500);
  SegmentOptions options;
  options.codec = GetParam();
  options.block_bytes = 4096;
  const std::string bytes = WriteSegment(records, options);
  CountingStore store;
  ASSERT_TRUE(store.Put("b/topics/t/0/seg.kbs", bytes));
  auto reader = SegmentReader::Open(store, "b/topics/t/0/seg.kbs");
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_GT(reader->blocks().size(), 5u);
  EXPECT_EQ(ReadAll(*reader), records);
}

TEST_P(FormatSegmentCodecTest, CompressibleDataShrinksUnlessCodecIsNone) {
  std::vector<Record> records;
  for (int i = 0; i < 200; ++i) records.push_back(Rec(i, 1, std::nullopt, std::string(1000, 'a')));
  SegmentSummary summary;
  SegmentOptions options;
  options.codec = GetParam();
  WriteSegment(records, options, &summary);
  if (GetParam() == Codec::kNone)
    EXPECT_GT(summary.stored_bytes, summary.raw_bytes);
  else
    EXPECT_LT(summary.stored_bytes * 10, summary.raw_bytes);
}

// Incompressible blocks are stored raw (codec byte 0) and the next few skip compression; data
// that compresses again is compressed again. Every record reads back either way.
TEST(FormatSegmentWriterTest, IncompressibleBlocksAreStoredRawAndCompressionResumes) {
  for (Codec codec_under_test : {Codec::kZstd, Codec::kLz4}) {
  SCOPED_TRACE(CodecName(codec_under_test));
  uint64_t x = 88172645463325252ull;
  auto random_value = [&] {
    std::string v(1000, '\0');
    for (auto& c : v) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift: incompressible bytes
      c = static_cast<char>(x);
    }
    return v;
  };
  std::vector<Record> records;
  for (int i = 0; i < 400; ++i) records.push_back(Rec(i, 1, std::nullopt, random_value()));      // ~20 blocks
  for (int i = 400; i < 800; ++i) records.push_back(Rec(i, 1, std::nullopt, std::string(1000, 'a')));
  SegmentOptions options;
  options.codec = codec_under_test;
  options.block_bytes = 20000;
  const std::string bytes = WriteSegment(records, options);
  auto reader = SegmentReader::FromBytes(bytes, "k");
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_EQ(ReadAll(*reader), records);
  int raw = 0, compressed = 0;
  for (const auto& b : reader->blocks()) {
    uint8_t codec = static_cast<uint8_t>(bytes[b.file_offset + 4]);
    if (b.last_offset < 400) {
      EXPECT_EQ(codec, 0) << "incompressible block at offset " << b.first_offset;
      EXPECT_EQ(b.stored_size, 40 + b.raw_size);
      raw++;
    } else if (b.first_offset >= 400 + 9 * 20) {  // past the raw run that follows a miss
      EXPECT_EQ(codec, static_cast<uint8_t>(codec_under_test)) << "compressible block at offset " << b.first_offset;
      EXPECT_LT(b.stored_size * 5, b.raw_size);
      compressed++;
    }
  }
  EXPECT_GT(raw, 10);
  EXPECT_GT(compressed, 5);
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, FormatSegmentCodecTest, ::testing::Values(Codec::kNone, Codec::kZstd, Codec::kLz4),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

TEST(FormatSegmentWriterTest, BlocksAreSealedWhenRawSizeReachesBlockBytes) {
  const auto records = ManyRecords(300);
  SegmentOptions options;
  options.block_bytes = 2048;
  const std::string bytes = WriteSegment(records, options);
  auto reader = SegmentReader::FromBytes(bytes, "k");
  ASSERT_TRUE(reader);
  const auto& blocks = reader->blocks();
  ASSERT_GT(blocks.size(), 2u);
  uint64_t total = 0;
  size_t next_record = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i + 1 < blocks.size()) {
      EXPECT_GE(blocks[i].raw_size, 2048u) << "block " << i;
      EXPECT_LT(blocks[i].raw_size, 2048u + 200u) << "block " << i << " kept growing after reaching block_bytes";
    }
    EXPECT_EQ(blocks[i].first_offset, records[next_record].offset);
    next_record += blocks[i].record_count;
    EXPECT_EQ(blocks[i].last_offset, records[next_record - 1].offset);
    total += blocks[i].record_count;
  }
  EXPECT_EQ(total, records.size());
}

TEST(FormatSegmentWriterTest, FooterTracksMinAndMaxOfOutOfOrderTimestamps) {
  SegmentOptions options;
  options.block_bytes = 1;  // every record seals its own block
  SegmentWriter writer(SegmentOptions{Codec::kZstd, 3, 1 << 20});
  for (auto [offset, ts] : std::vector<std::pair<int64_t, int64_t>>{{10, 500}, {11, 100}, {12, 900}, {13, 300}})
    ASSERT_TRUE(writer.Append(Rec(offset, ts, std::nullopt, std::string("x"))));
  SegmentSummary summary;
  auto bytes = writer.Finish(&summary);
  ASSERT_TRUE(bytes);
  auto reader = SegmentReader::FromBytes(*bytes, "k");
  ASSERT_TRUE(reader);
  ASSERT_EQ(reader->blocks().size(), 1u);
  const BlockInfo& b = reader->blocks()[0];
  EXPECT_EQ(b.min_timestamp, 100);
  EXPECT_EQ(b.max_timestamp, 900);
  EXPECT_EQ(b.first_offset, 10);
  EXPECT_EQ(b.last_offset, 13);
  EXPECT_EQ(b.record_count, 4u);
  EXPECT_EQ(summary.min_timestamp, 100);
  EXPECT_EQ(summary.max_timestamp, 900);

  // Per block too: each block has its own range, the summary spans them all.
  SegmentWriter one_per_block(options);
  ASSERT_TRUE(one_per_block.Append(Rec(1, 700, std::nullopt, std::nullopt)));
  ASSERT_TRUE(one_per_block.Append(Rec(2, 200, std::nullopt, std::nullopt)));
  auto two = one_per_block.Finish(&summary);
  ASSERT_TRUE(two);
  auto reader2 = SegmentReader::FromBytes(*two, "k");
  ASSERT_TRUE(reader2);
  ASSERT_EQ(reader2->blocks().size(), 2u);
  EXPECT_EQ(reader2->blocks()[0].min_timestamp, 700);
  EXPECT_EQ(reader2->blocks()[1].max_timestamp, 200);
  EXPECT_EQ(summary.min_timestamp, 200);
  EXPECT_EQ(summary.max_timestamp, 700);
}

TEST(FormatSegmentWriterTest, SummaryDescribesTheWholeObject) {
  const auto records = ManyRecords(100, 40);
  SegmentOptions options;
  options.block_bytes = 1000;
  SegmentWriter writer(options);
  for (const auto& r : records) ASSERT_TRUE(writer.Append(r));
  EXPECT_EQ(writer.record_count(), 100u);
  EXPECT_FALSE(writer.empty());
  const uint64_t raw_before_finish = writer.raw_bytes();
  SegmentSummary summary;
  auto bytes = writer.Finish(&summary);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(summary.stored_bytes, bytes->size());
  EXPECT_EQ(summary.crc32c, Crc32c(*bytes));
  EXPECT_EQ(summary.raw_bytes, raw_before_finish);
  EXPECT_EQ(summary.record_count, 100u);
  EXPECT_EQ(summary.first_offset, 40);
  EXPECT_EQ(summary.last_offset, 40 + 99 * 2);
  auto reader = SegmentReader::FromBytes(*bytes, "k");
  ASSERT_TRUE(reader);
  uint64_t raw_sum = 0;
  for (const auto& b : reader->blocks()) raw_sum += b.raw_size;
  EXPECT_EQ(raw_sum, summary.raw_bytes);
}

TEST(FormatSegmentWriterTest, WriterIsEmptyAndReusableAfterFinish) {
  SegmentWriter writer;
  ASSERT_TRUE(writer.Append(Rec(100, 1, std::nullopt, std::string("a"))));
  ASSERT_TRUE(writer.Finish(nullptr));
  EXPECT_TRUE(writer.empty());
  EXPECT_EQ(writer.record_count(), 0u);
  EXPECT_EQ(writer.raw_bytes(), 0u);
  // A new segment starts fresh, so a lower offset is fine (e.g. another partition).
  ASSERT_TRUE(writer.Append(Rec(5, 2, std::string("k"), std::nullopt)));
  auto second = writer.Finish(nullptr);
  ASSERT_TRUE(second);
  auto reader = SegmentReader::FromBytes(*second, "k");
  ASSERT_TRUE(reader);
  EXPECT_EQ(ReadAll(*reader), std::vector<Record>{Rec(5, 2, std::string("k"), std::nullopt)});
}

TEST(FormatSegmentWriterTest, EmptySegmentIsValidAndHasNoBlocks) {
  SegmentWriter writer;
  SegmentSummary summary;
  auto bytes = writer.Finish(&summary);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), kFileHeaderSize + kFooterHeaderSize + kTrailerSize);
  EXPECT_EQ(summary.record_count, 0u);
  EXPECT_EQ(summary.first_offset, -1);
  auto reader = SegmentReader::FromBytes(*bytes, "k");
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_TRUE(reader->blocks().empty());
}

TEST(FormatSegmentWriterTest, AppendRejectsNonIncreasingOffsets) {
  SegmentWriter writer;
  ASSERT_TRUE(writer.Append(Rec(5, 1, std::nullopt, std::string("a"))));
  auto same = writer.Append(Rec(5, 1, std::nullopt, std::string("b")));
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(same.error().message.find("does not increase"), std::string::npos) << same.error().message;
  auto lower = writer.Append(Rec(4, 1, std::nullopt, std::string("c")));
  ASSERT_FALSE(lower);
  EXPECT_EQ(lower.error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(writer.Append(Rec(6, 1, std::nullopt, std::string("d"))));
  EXPECT_EQ(writer.record_count(), 2u);
  auto bytes = writer.Finish(nullptr);
  ASSERT_TRUE(bytes);
  auto reader = SegmentReader::FromBytes(*bytes, "k");
  ASSERT_TRUE(reader);
  const auto got = ReadAll(*reader);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].value, "a");
  EXPECT_EQ(got[1].value, "d");
}

TEST(FormatSegmentWriterTest, AppendRejectsNegativeOffsetAndUnknownTimestampType) {
  SegmentWriter writer;
  auto negative = writer.Append(Rec(-1, 1, std::nullopt, std::nullopt));
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
  auto bad_type = writer.Append(Rec(0, 1, std::nullopt, std::nullopt, {}, static_cast<TimestampType>(7)));
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(writer.empty());
}

TEST(FormatSegmentWriterTest, ZstdLevelOutsideRangeIsInvalidArgument) {
  for (int level : {0, -5, 23}) {
    SegmentWriter writer(SegmentOptions{Codec::kZstd, level, 1024});
    auto st = writer.Append(Rec(0, 1, std::nullopt, std::nullopt));
    ASSERT_FALSE(st) << "level " << level;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(st.error().message.find("level"), std::string::npos);
  }
  for (int level : {1, 19, 22}) {
    SegmentWriter writer(SegmentOptions{Codec::kZstd, level, 1024});
    EXPECT_TRUE(writer.Append(Rec(0, 1, std::nullopt, std::string("x"))));
    EXPECT_TRUE(writer.Finish(nullptr));
  }
}

TEST(FormatSegmentReaderTest, OpenFetchesOnlyTrailerAndFooterThenOneRangePerBlock) {
  const auto records = ManyRecords(400);
  SegmentOptions options;
  options.block_bytes = 4096;
  const std::string bytes = WriteSegment(records, options);
  CountingStore store;
  ASSERT_TRUE(store.Put("seg", bytes));

  auto reader = SegmentReader::Open(store, "seg");
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_EQ(store.size_calls, 1);
  EXPECT_EQ(store.range_gets, 2);
  const uint64_t footer_len = kFooterHeaderSize + kFooterEntrySize * reader->blocks().size();
  EXPECT_EQ(store.bytes_read(), kTrailerSize + footer_len);

  const BlockInfo& b = reader->blocks()[3];
  auto block = reader->ReadBlock(3);
  ASSERT_TRUE(block);
  EXPECT_EQ(store.range_gets, 3);
  EXPECT_EQ(store.bytes_read(), kTrailerSize + footer_len + b.stored_size);
  EXPECT_EQ(block->front().offset, b.first_offset);
  EXPECT_EQ(block->size(), b.record_count);

  // A caller that knows the size (from the manifest) saves the Size call.
  auto known = SegmentReader::Open(store, "seg", bytes.size());
  ASSERT_TRUE(known);
  EXPECT_EQ(store.size_calls, 1);
}

// A stored segment of more than 6 small blocks, opened through a store that counts requests.
class ManyBlocksReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SegmentOptions options;
    options.block_bytes = 4096;
    const std::string bytes = WriteSegment(ManyRecords(400), options);
    ASSERT_TRUE(store.Put("seg", bytes));
    auto opened = SegmentReader::Open(store, "seg", bytes.size());
    ASSERT_TRUE(opened) << opened.error().ToString();
    reader.emplace(std::move(*opened));
    ASSERT_GT(reader->blocks().size(), 6u);
    after_open = store.range_gets;
  }

  CountingStore store;
  std::optional<SegmentReader> reader;
  int after_open = 0;
};

// ReadBlock(i, through) fetches blocks i..through in one request and serves the following calls
// from it; a block outside that span is fetched on its own again.
TEST_F(ManyBlocksReaderTest, ReadThroughFetchesAdjacentBlocksInOneRequest) {

  std::vector<Record> got;
  for (size_t i = 1; i <= 4; ++i) {
    auto block = reader->ReadBlock(i, 4);
    ASSERT_TRUE(block) << block.error().ToString();
    got.insert(got.end(), block->begin(), block->end());
  }
  EXPECT_EQ(store.range_gets, after_open + 1) << "blocks 1..4 must come from one request";
  ASSERT_EQ(got.front().offset, reader->blocks()[1].first_offset);
  ASSERT_EQ(got.back().offset, reader->blocks()[4].last_offset);

  auto later = reader->ReadBlock(6);
  ASSERT_TRUE(later);
  EXPECT_EQ(store.range_gets, after_open + 2);
  EXPECT_EQ(later->front().offset, reader->blocks()[6].first_offset);
}

// Prefetch starts the request ReadBlock will need; ReadBlock then takes its bytes instead of asking
// again. A prefetch of blocks that are never read does not change what ReadBlock returns.
TEST_F(ManyBlocksReaderTest, PrefetchedBlocksAreReadWithoutAnotherRequest) {

  EXPECT_FALSE(reader->InMemory(2));
  reader->Prefetch(2, 3);
  reader->Prefetch(2, 3);  // the same range again: still one request
  auto first = reader->ReadBlock(2, 3);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(store.range_gets, after_open + 1);
  EXPECT_TRUE(reader->InMemory(3));
  auto second = reader->ReadBlock(3);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(store.range_gets, after_open + 1) << "block 3 came with the prefetch";
  EXPECT_EQ(first->front().offset, reader->blocks()[2].first_offset);
  EXPECT_EQ(second->back().offset, reader->blocks()[3].last_offset);

  reader->Prefetch(5, 5);  // never read: block 6 is fetched on its own
  auto other = reader->ReadBlock(6);
  ASSERT_TRUE(other) << other.error().ToString();
  EXPECT_EQ(other->front().offset, reader->blocks()[6].first_offset);
  EXPECT_EQ(other->back().offset, reader->blocks()[6].last_offset);
}

TEST(FormatSegmentReaderTest, OpenOfMissingObjectIsNotFound) {
  CountingStore store;
  auto reader = SegmentReader::Open(store, "missing.kbs");
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code, ErrorCode::kNotFound);
  EXPECT_NE(reader.error().message.find("missing.kbs"), std::string::npos);
}

TEST(FormatSegmentReaderTest, ReadBlockOutOfRangeIsInvalidArgument) {
  auto reader = SegmentReader::FromBytes(WriteSegment(ManyRecords(3), {}), "k");
  ASSERT_TRUE(reader);
  auto block = reader->ReadBlock(reader->blocks().size());
  ASSERT_FALSE(block);
  EXPECT_EQ(block.error().code, ErrorCode::kInvalidArgument);
}

TEST(FormatSegmentReaderTest, FlippedPayloadByteIsCorruptNamingKeyAndBlock) {
  for (Codec codec : {Codec::kNone, Codec::kZstd, Codec::kLz4}) {
    SegmentOptions options;
    options.codec = codec;
    options.block_bytes = 2048;
    std::string bytes = WriteSegment(ManyRecords(200), options);
    auto clean = SegmentReader::FromBytes(bytes, "x");
    ASSERT_TRUE(clean);
    ASSERT_GT(clean->blocks().size(), 3u);
    const BlockInfo b = clean->blocks()[2];
    bytes[b.file_offset + kBlockHeaderSize + (b.stored_size - kBlockHeaderSize) / 2] ^= 0x10;

    CountingStore store;
    ASSERT_TRUE(store.Put("backup/topics/t/0/seg.kbs", bytes));
    auto reader = SegmentReader::Open(store, "backup/topics/t/0/seg.kbs");
    ASSERT_TRUE(reader) << "the footer is intact, so opening works";
    auto bad = reader->ReadBlock(2);
    ASSERT_FALSE(bad) << CodecName(codec);
    EXPECT_EQ(bad.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(bad.error().message.find("key=backup/topics/t/0/seg.kbs"), std::string::npos) << bad.error().message;
    EXPECT_NE(bad.error().message.find("block=2"), std::string::npos) << bad.error().message;
    EXPECT_NE(bad.error().message.find("crc32c"), std::string::npos) << bad.error().message;
    EXPECT_TRUE(bad.error().data_loss);
    EXPECT_TRUE(reader->ReadBlock(1)) << "other blocks stay readable";
    EXPECT_TRUE(reader->ReadBlock(3));

    auto in_memory = SegmentReader::FromBytes(bytes, "mem-key");
    ASSERT_TRUE(in_memory);
    auto bad_mem = in_memory->ReadBlock(2);
    ASSERT_FALSE(bad_mem);
    EXPECT_EQ(bad_mem.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(bad_mem.error().message.find("block=2"), std::string::npos);
  }
}

TEST(FormatSegmentReaderTest, FlippedBlockHeaderByteIsCorrupt) {
  SegmentOptions options;
  options.block_bytes = 2048;
  const std::string clean = WriteSegment(ManyRecords(100), options);
  auto reader = SegmentReader::FromBytes(clean, "k");
  ASSERT_TRUE(reader);
  const BlockInfo b = reader->blocks()[1];
  for (size_t i = 0; i < kBlockHeaderSize; ++i) {
    std::string bytes = clean;
    bytes[b.file_offset + i] ^= 0x01;
    auto damaged = SegmentReader::FromBytes(bytes, "k");
    ASSERT_TRUE(damaged);
    auto block = damaged->ReadBlock(1);
    ASSERT_FALSE(block) << "header byte " << i;
    EXPECT_EQ(block.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(block.error().message.find("block=1"), std::string::npos);
  }
}

TEST(FormatSegmentReaderTest, FlippedFooterOrTrailerByteIsCorrupt) {
  const std::string clean = WriteSegment(ManyRecords(50), SegmentOptions{Codec::kLz4, 3, 1024});
  auto reader = SegmentReader::FromBytes(clean, "k");
  ASSERT_TRUE(reader);
  const uint64_t footer_start = clean.size() - kTrailerSize - kFooterHeaderSize -
                                kFooterEntrySize * reader->blocks().size();
  for (uint64_t pos = footer_start; pos < clean.size(); ++pos) {
    std::string bytes = clean;
    bytes[pos] ^= 0x40;
    CountingStore store;
    ASSERT_TRUE(store.Put("seg", bytes));
    auto opened = SegmentReader::Open(store, "seg");
    ASSERT_FALSE(opened) << "byte " << pos;
    EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(opened.error().message.find("key=seg"), std::string::npos);
    EXPECT_FALSE(SegmentReader::FromBytes(bytes, "seg"));
  }
}

TEST(FormatSegmentReaderTest, TruncatedObjectIsCorrupt) {
  const std::string clean = WriteSegment(ManyRecords(30), SegmentOptions{Codec::kZstd, 3, 512});
  for (size_t len : {size_t{0}, size_t{1}, size_t{7}, size_t{43}, clean.size() / 2, clean.size() - kTrailerSize,
                     clean.size() - 1}) {
    const std::string bytes = clean.substr(0, len);
    auto in_memory = SegmentReader::FromBytes(bytes, "seg");
    ASSERT_FALSE(in_memory) << "length " << len;
    EXPECT_EQ(in_memory.error().code, ErrorCode::kCorrupt);
    CountingStore store;
    ASSERT_TRUE(store.Put("seg", bytes));
    auto opened = SegmentReader::Open(store, "seg");
    ASSERT_FALSE(opened) << "length " << len;
    EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
  }
}

TEST(FormatSegmentReaderTest, ObjectShrunkAfterOpenIsCorruptOnRead) {
  SegmentOptions options;
  options.block_bytes = 1024;
  const std::string clean = WriteSegment(ManyRecords(60), options);
  CountingStore store;
  ASSERT_TRUE(store.Put("seg", clean));
  auto reader = SegmentReader::Open(store, "seg");
  ASSERT_TRUE(reader);
  const size_t last = reader->blocks().size() - 1;
  ASSERT_TRUE(store.Put("seg", clean.substr(0, reader->blocks()[last].file_offset + 10)));
  auto block = reader->ReadBlock(last);
  ASSERT_FALSE(block);
  EXPECT_EQ(block.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(block.error().message.find("short read"), std::string::npos) << block.error().message;
  EXPECT_NE(block.error().message.find("block=" + std::to_string(last)), std::string::npos);
}

TEST(FormatSegmentReaderTest, WrongFileMagicIsCorrupt) {
  std::string bytes = WriteSegment(ManyRecords(3), {});
  bytes[0] = 'X';
  auto reader = SegmentReader::FromBytes(bytes, "k");
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(reader.error().message.find("KBSEG"), std::string::npos);
}

TEST(FormatCodecTest, NamesRoundTripAndUnknownNamesAreRejected) {
  for (Codec c : {Codec::kNone, Codec::kZstd, Codec::kLz4}) {
    auto parsed = ParseCodec(CodecName(c));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_STREQ(CodecName(Codec::kZstd), "zstd");
  auto bad = ParseCodec("gzip");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("gzip"), std::string::npos);
}

TEST(FormatCodecTest, DecompressOfWrongSizeIsCorrupt) {
  Compressor compressor;
  const std::string raw(5000, 'q');
  for (Codec c : {Codec::kZstd, Codec::kLz4, Codec::kNone}) {
    std::string payload;
    ASSERT_TRUE(compressor.Compress(c, 3, raw, &payload));
    auto ok = Decompress(c, payload, raw.size());
    ASSERT_TRUE(ok) << CodecName(c);
    EXPECT_EQ(*ok, raw);
    auto wrong = Decompress(c, payload, raw.size() + 1);
    ASSERT_FALSE(wrong) << CodecName(c);
    EXPECT_EQ(wrong.error().code, ErrorCode::kCorrupt);
  }
}

TEST(FormatRecordCodecTest, LengthAboveFormatLimitIsCorrupt) {
  std::string raw;
  PutVarint(raw, 0);                       // offset delta
  PutSignedVarint(raw, 0);                 // timestamp delta
  PutU8(raw, 1);                           // create time
  PutSignedVarint(raw, int64_t{1} << 31);  // key length 2^31: one above the limit
  std::vector<Record> out;
  auto st = DecodeRecords(raw, 1, 0, 0, &out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(st.error().message.find("invalid length"), std::string::npos) << st.error().message;
}

TEST(FormatRecordCodecTest, TrailingBytesAndMissingRecordsAreCorrupt) {
  std::string raw;
  EncodeRecord(Rec(7, 1, std::nullopt, std::string("v")), 7, 1, &raw);
  std::vector<Record> out;
  ASSERT_TRUE(DecodeRecords(raw, 1, 7, 1, &out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].offset, 7);
  EXPECT_FALSE(DecodeRecords(raw + "x", 1, 7, 1, &out));
  EXPECT_FALSE(DecodeRecords(raw, 2, 7, 1, &out));
  EXPECT_FALSE(DecodeRecords(raw.substr(0, raw.size() - 1), 1, 7, 1, &out));
}

TEST(FormatRecordCodecTest, EncodedSizeNeverExceedsTheBound) {
  for (const auto& r : EveryFieldCase()) {
    std::string raw;
    EncodeRecord(r, 0, std::numeric_limits<int64_t>::min(), &raw);
    EXPECT_LE(raw.size(), MaxEncodedSize(r)) << "offset " << r.offset;
  }
}

}  // namespace
}  // namespace kb::format
