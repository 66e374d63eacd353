// Golden files pin the persisted formats (docs/FORMAT.md): a change to the bytes a writer
// produces, or a reader that can no longer read old files, fails here.
//
// Regenerate (only for a deliberate, documented format change that also bumps format_version):
//   KB_UPDATE_GOLDEN=1 ./unit_tests --gtest_filter='FormatGolden*'
// which rewrites tests/golden/segment_v1_{none,zstd,lz4}.kbs and tests/golden/manifest_v1.json.
// Otherwise the none segment and the manifest are compared byte for byte; the zstd and lz4
// segments are only decoded (compressor output may change between library versions).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "format/manifest.h"
#include "format/segment.h"

namespace kb::format {
namespace {

std::string GoldenPath(const std::string& name) { return std::string(KB_SOURCE_DIR) + "/tests/golden/" + name; }

bool UpdateGolden() {
  const char* v = std::getenv("KB_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open golden file " << path
                         << " (generate it with KB_UPDATE_GOLDEN=1, see this file's header)";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

Record Rec(int64_t offset, int64_t ts, TimestampType type, std::optional<std::string> key,
           std::optional<std::string> value, std::vector<RecordHeader> headers = {}) {
  Record r;
  r.offset = offset;
  r.timestamp = ts;
  r.timestamp_type = type;
  r.key = std::move(key);
  r.value = std::move(value);
  r.headers = std::move(headers);
  return r;
}

// Fixed records covering every field case; never change them without regenerating.
std::vector<Record> GoldenRecords() {
  using T = TimestampType;
  std::vector<Record> r = {
      Rec(0, 1764000000000, T::kCreateTime, std::nullopt, std::nullopt),
      Rec(1, 1764000000001, T::kCreateTime, std::string(), std::string()),
      Rec(2, 1764000000002, T::kLogAppendTime, std::string("user-1"), std::string(R"({"amount":10})"),
          {{"trace-id", std::string("abc")}, {"trace-id", std::string("def")}, {"null-header", std::nullopt},
           {"empty-header", std::string()}}),
      Rec(5, 1763999999000, T::kCreateTime, std::string("late"), std::string("out-of-order timestamp")),
      Rec(6, -1, T::kNotAvailable, std::nullopt, std::string(std::string_view("bin\0\xff", 5))),
      Rec(300, std::numeric_limits<int64_t>::max(), T::kCreateTime, std::string("max-ts"), std::string("x")),
      Rec(301, std::numeric_limits<int64_t>::min(), T::kCreateTime, std::string("min-ts"), std::string("y")),
  };
  for (int i = 0; i < 20; ++i)
    r.push_back(Rec(400 + i * 2, 1764000001000 + i, T::kCreateTime, "k" + std::to_string(i),
                    std::string(static_cast<size_t>(10 + i), static_cast<char>('a' + i)),
                    {{"seq", std::to_string(i)}}));
  return r;
}

std::string GoldenSegment(Codec codec) {
  SegmentWriter writer(SegmentOptions{codec, 3, 256});  // small blocks: several per segment
  for (const auto& r : GoldenRecords()) EXPECT_TRUE(writer.Append(r));
  auto bytes = writer.Finish(nullptr);
  EXPECT_TRUE(bytes);
  return bytes ? *bytes : std::string();
}

Manifest GoldenManifest() {
  Manifest m;
  m.backup_id = "golden-backup";
  m.status = "complete";
  m.mode = "one-shot";
  m.compression = "zstd";
  m.cluster_id = "golden-cluster";
  m.tool_version = "0.1.0";
  m.created_at_ms = 1764000000000;
  m.updated_at_ms = 1764000060000;
  TopicManifest t;
  t.name = "payments";
  t.partition_count = 2;
  t.replication_factor = 1;
  t.configs = {{"cleanup.policy", "delete"}, {"retention.ms", "604800000"}};
  PartitionManifest p0;
  p0.partition = 0;
  p0.segments.push_back(SegmentRef{"golden-backup/topics/payments/0/00000000000000000000-00000000000000000099.kbs",
                                   0, 99, 1764000000000, 1764000009900, 100, 20480, 4096, 305419896, "zstd"});
  p0.gaps.push_back(Gap{100, 119, "offset out of range: log start moved to 120", 1764000030000});
  p0.segments.push_back(SegmentRef{"golden-backup/topics/payments/0/00000000000000000120-00000000000000000149.kbs",
                                   120, 149, 1764000012000, 1764000014900, 30, 6144, 1500, 4023233417u, "lz4"});
  p0.next_offset = 150;
  p0.end_offset_at_start = 150;
  PartitionManifest p1;
  p1.partition = 1;
  p1.next_offset = 0;
  p1.end_offset_at_start = 0;
  t.partitions = {p0, p1};
  m.topics = {t};
  return m;
}

std::vector<Record> ReadAll(const std::string& bytes, const std::string& name) {
  auto reader = SegmentReader::FromBytes(bytes, name);
  EXPECT_TRUE(reader) << reader.error().ToString();
  std::vector<Record> out;
  if (!reader) return out;
  for (size_t i = 0; i < reader->blocks().size(); ++i) {
    auto block = reader->ReadBlock(i);
    EXPECT_TRUE(block) << block.error().ToString();
    if (block) out.insert(out.end(), block->begin(), block->end());
  }
  return out;
}

TEST(FormatGoldenTest, UncompressedSegmentMatchesGoldenBytes) {
  const std::string path = GoldenPath("segment_v1_none.kbs");
  const std::string fresh = GoldenSegment(Codec::kNone);
  if (UpdateGolden()) {
    WriteFile(path, fresh);
    WriteFile(GoldenPath("segment_v1_zstd.kbs"), GoldenSegment(Codec::kZstd));
    WriteFile(GoldenPath("segment_v1_lz4.kbs"), GoldenSegment(Codec::kLz4));
  }
  const std::string golden = ReadFile(path);
  EXPECT_EQ(fresh.size(), golden.size());
  EXPECT_TRUE(fresh == golden) << "the segment writer no longer produces format_version 1 bytes";
  EXPECT_EQ(ReadAll(golden, path), GoldenRecords());
}

TEST(FormatGoldenTest, CompressedGoldenSegmentsStillDecode) {
  for (const char* name : {"segment_v1_zstd.kbs", "segment_v1_lz4.kbs"}) {
    const std::string path = GoldenPath(name);
    const std::string golden = ReadFile(path);
    ASSERT_FALSE(golden.empty()) << path;
    auto reader = SegmentReader::FromBytes(golden, path);
    ASSERT_TRUE(reader) << reader.error().ToString();
    EXPECT_GT(reader->blocks().size(), 1u) << "golden segments have several blocks";
    EXPECT_EQ(ReadAll(golden, path), GoldenRecords()) << path;
  }
}

TEST(FormatGoldenTest, ManifestMatchesGoldenJson) {
  const std::string path = GoldenPath("manifest_v1.json");
  const std::string fresh = SerializeManifest(GoldenManifest());
  if (UpdateGolden()) WriteFile(path, fresh);
  const std::string golden = ReadFile(path);
  EXPECT_EQ(fresh, golden) << "the manifest serializer no longer produces format_version 1 JSON";
  auto parsed = ParseManifest(golden);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(SerializeManifest(*parsed), golden);
  EXPECT_EQ(parsed->topics.at(0).partitions.at(0).record_count(), 130u);
  EXPECT_EQ(parsed->topics.at(0).partitions.at(0).segments.at(1).crc32c, 4023233417u);
}

}  // namespace
}  // namespace kb::format
