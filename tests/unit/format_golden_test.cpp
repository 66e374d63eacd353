// Golden files pin the persisted formats (docs/FORMAT.md): a change to the bytes a writer
// produces, or a reader that can no longer read old files, fails here.
//
// Regenerate (only for a deliberate, documented format change that also bumps format_version):
//   KB_UPDATE_GOLDEN=1 ./unit_tests --gtest_filter='FormatGolden*'
// which rewrites tests/golden/segment_v1_{none,zstd,lz4}.kbs, tests/golden/manifest_v1.json and
// tests/golden/catalog_v2_*.json (floor and lease included), offset_*_v1.json and restore_*_v1.json.
// Otherwise the none segment and the manifest are compared byte for byte; the zstd and lz4
// segments are only decoded (compressor output may change between library versions).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "format/catalog_docs.h"
#include "format/manifest.h"
#include "format/offset_docs.h"
#include "format/offset_mapping.h"
#include "format/restore_docs.h"
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

// Format-2 catalog documents built from the golden manifest's partition 0.
CatalogCommit GoldenCommit() {
  const auto m = GoldenManifest();
  const auto& p0 = m.topics[0].partitions[0];
  CatalogCommit c;
  c.topic = "payments";
  c.partition = 0;
  c.seq = 35;
  c.epoch = 2;
  c.run_id = "9999999997-1a2b3c4d";
  c.prev = DocRef{"golden-backup/catalog/partitions/payments/0/commits/9999999997-1a2b3c4d-999999999965.json",
                  std::string(64, 'a'), 34};
  c.checkpoint = DocRef{"golden-backup/catalog/partitions/payments/0/checkpoints/000000000032-9999999997-1a2b3c4d.json",
                        std::string(64, 'b'), 32};
  c.committed_at_ms = 1764000060000;
  c.entries = {ChainEntry{120, 150, p0.segments[1], std::nullopt}};
  c.totals = PartitionTotals{130, 26624, 5596, 2, 1, 20, 1764000000000, 1764000014900};
  return c;
}

CatalogCheckpoint GoldenCheckpoint() {
  const auto m = GoldenManifest();
  const auto& p0 = m.topics[0].partitions[0];
  CatalogCheckpoint cp;
  cp.topic = "payments";
  cp.partition = 0;
  cp.seq = 3;
  cp.epoch = 1;
  cp.run_id = "9999999998-00c0ffee";
  cp.commit = DocRef{"golden-backup/catalog/partitions/payments/0/commits/9999999998-00c0ffee-999999999996.json",
                     std::string(64, 'c'), 3};
  cp.entries = {ChainEntry{0, 100, p0.segments[0], std::nullopt}, ChainEntry{100, 120, std::nullopt, p0.gaps[0]},
                ChainEntry{120, 150, p0.segments[1], std::nullopt}};
  cp.totals = PartitionTotals{130, 26624, 5596, 2, 1, 20, 1764000000000, 1764000014900};
  return cp;
}

CatalogRun GoldenRun() {
  const auto m = GoldenManifest();
  CatalogRun r;
  r.backup_id = "golden-backup";
  r.run_id = "9999999997-1a2b3c4d";
  r.epoch = 2;
  r.started_at_ms = 1764000050000;
  r.created_at_ms = 1764000000000;
  r.mode = "continuous";
  r.compression = "zstd";
  r.cluster_id = m.cluster_id;
  r.source_bootstrap = "127.0.0.1:9092";
  r.tool_version = "0.1.0";
  r.topics = {RunTopic{"payments", 2, 1, m.topics[0].configs, {150, 0}}};
  return r;
}

// Each document's bytes are pinned, and each golden file parses back to the same bytes.
template <typename Doc, typename ParseFn>
void CheckGolden(const std::string& name, const Doc& doc, ParseFn parse) {
  const std::string path = GoldenPath(name);
  const std::string fresh = Serialize(doc);
  if (UpdateGolden()) WriteFile(path, fresh);
  const std::string golden = ReadFile(path);
  EXPECT_EQ(fresh, golden) << name << ": the writer no longer produces the bytes of this format_version";
  auto parsed = parse(golden);
  ASSERT_TRUE(parsed) << name << ": " << parsed.error().ToString();
  EXPECT_EQ(Serialize(*parsed), golden) << name;
}

TEST(FormatGoldenTest, CatalogV2DocumentsMatchGoldenJson) {
  CheckGolden("catalog_v2_commit.json", GoldenCommit(), ParseCatalogCommit);
  CheckGolden("catalog_v2_checkpoint.json", GoldenCheckpoint(), ParseCatalogCheckpoint);
  CheckGolden("catalog_v2_run.json", GoldenRun(), ParseCatalogRun);
  CatalogTopicAdded added;
  added.run_id = "9999999997-1a2b3c4d";
  added.topic = RunTopic{"payments-eu", 3, 3, {}, {0, 0, 0}};
  CheckGolden("catalog_v2_topic.json", added, ParseCatalogTopicAdded);
  CatalogRunEnd end;
  end.run_id = "9999999997-1a2b3c4d";
  end.status = "complete";
  end.ended_at_ms = 1764000090000;
  CheckGolden("catalog_v2_run_end.json", end, ParseCatalogRunEnd);

  CatalogFloor floor;
  floor.topic = "payments";
  floor.partition = 0;
  floor.from = 300;
  floor.removed_through_seq = 0;
  floor.earliest_restorable_ms = 1795136400300;
  floor.created_at_ms = 1796000000000;
  floor.pruned = PartitionTotals{300, 9000, 5400, 6, 0, 0, 1795136400000, 1795136400299};
  CheckGolden("catalog_v2_floor.json", floor, ParseCatalogFloor);
  CatalogLease lease;
  lease.lease_id = "restore-1796000000000-1a2b3c4d";
  lease.kind = "restore";
  lease.holder = "backup-host-1:4242";
  lease.reads_from_ms = 0;
  lease.acquired_at_ms = 1796000000000;
  lease.expires_at_ms = 1796000120000;
  CheckGolden("catalog_v2_lease.json", lease, ParseCatalogLease);

  // Scale-out: a group member's run and lease carry its group, member id and partitions.
  CatalogRun member_run = GoldenRun();
  member_run.group = "kafka-backup.golden-backup";
  member_run.member_id = "kafka-backup-5f0c2b1e-7a44-4f6a-9d0e-2b8c51f0a9d3";
  CheckGolden("catalog_v2_run_group.json", member_run, ParseCatalogRun);
  CatalogLease member = lease;
  member.lease_id = "backup-1796000000000-5e6f7a8b";
  member.kind = "backup";
  member.group = member_run.group;
  member.member_id = member_run.member_id;
  member.partitions = {"payments/0", "payments/1"};
  CheckGolden("catalog_v2_lease_group.json", member, ParseCatalogLease);
}

TEST(FormatGoldenTest, CatalogV2ReaderRefusesOtherKindsAndNewerVersions) {
  const std::string commit = Serialize(GoldenCommit());
  auto as_checkpoint = ParseCatalogCheckpoint(commit);
  ASSERT_FALSE(as_checkpoint);
  EXPECT_EQ(as_checkpoint.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(as_checkpoint.error().message.find("kind"), std::string::npos) << as_checkpoint.error().message;
  std::string newer = commit;
  newer.replace(newer.find("\"format_version\":2"), 18, "\"format_version\":3");
  auto refused = ParseCatalogCommit(newer);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("upgrade kafka-backup"), std::string::npos);
  std::string missing = commit;
  missing.replace(missing.find("\"seq\":35"), 8, "\"sez\":35");
  auto broken = ParseCatalogCommit(missing);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(broken.error().message.find("seq: missing"), std::string::npos) << broken.error().message;
}

// --- The v1 documents beside the catalog: captures, snapshots, and what a restore leaves.

GroupOffsets GoldenGroup(const std::string& name, const std::string& state) {
  GroupOffsets g;
  g.group = name;
  g.state = state;
  g.offsets = {{"payments", 0, 1200, ""}, {"payments", 1, 0, "checkpoint \"7\""}, {"payments-eu", 2, 45, ""}};
  return g;
}

// The v1 document readers take the object's key for their errors.
template <typename ParseFn>
auto Keyed(ParseFn parse, const std::string& name) {
  return [parse, name](const std::string& text) { return parse(text, name); };
}

RestoreReport GoldenReport() {
  RestoreReport r;
  r.restore_id = "restore-1796000000000-1a2b3c4d";
  r.backup_id = "golden-backup";
  r.target = "127.0.0.1:9092,127.0.0.1:9093";
  r.time_window_end = 1795136400299;
  r.complete = false;
  r.status = "partial";
  r.resumed = true;
  r.records = 9000;
  r.bytes = 5400;
  r.records_this_run = 4000;
  r.bytes_this_run = 2400;
  r.bytes_read_from_storage = 3100;
  r.backup_stored_bytes = 6200;
  r.seconds = 1.5;
  r.mb_per_second = 0.25;
  r.started_at_ms = 1796000000000;
  r.finished_at_ms = 1796000001500;
  r.partitions_total = 2;
  r.partitions_complete = 1;
  r.errors = {"payments/1: target partition not empty"};
  r.consumer_group_strategy = "header-based";
  r.snapshot_id = "snapshot-1796000000000-5e6f";
  r.fingerprint = "b4c1d2e3f4a5b6c7";
  RestoreReportPartition done{"payments", 0, "payments-restored", 0, 9000, 5400, 0, 8999, 9000, 9000, "complete", ""};
  RestoreReportPartition failed{"payments", 1, "payments-restored", 1, 0, 0, -1, -1, 0, 0, "failed",
                                "target partition not empty"};
  r.partitions = {done, failed};
  return r;
}

TEST(FormatGoldenTest, OffsetAndRestoreDocumentsMatchGoldenJson) {
  OffsetCapture capture;
  capture.captured_at_ms = 1795136400000;
  capture.cluster_id = "MkU3OEVBNTcwNTJENDM2Qk";
  capture.groups = {GoldenGroup("billing", "Stable"), GoldenGroup("ledger", "Empty")};
  CheckGolden("offset_capture_v1.json", capture, Keyed(ParseOffsetCapture, "offset_capture_v1.json"));

  OffsetSnapshot snapshot;
  snapshot.snapshot_id = "snapshot-1796000000000-5e6f";
  snapshot.created_at_ms = 1796000000000;
  snapshot.description = "before restore of golden-backup";
  snapshot.cluster_id = "MkU3OEVBNTcwNTJENDM2Qk";
  snapshot.bootstrap_servers = "127.0.0.1:9092";
  snapshot.groups = {GoldenGroup("billing", "Empty")};
  CheckGolden("offset_snapshot_v1.json", snapshot, Keyed(ParseOffsetSnapshot, "offset_snapshot_v1.json"));

  OffsetMapping mapping;
  mapping.backup_id = "golden-backup";
  mapping.restore_id = "restore-1796000000000-1a2b3c4d";
  mapping.created_at_ms = 1796000001500;
  mapping.time_window_end = 1795136400299;
  PartitionMapping pm;
  pm.source_topic = "payments";
  pm.source_partition = 0;
  pm.target_topic = "payments-restored";
  pm.target_partition = 0;
  pm.ranges = {{0, 0, 100}, {150, 100, 8850}};
  pm.target_end_offset = 8950;
  mapping.partitions = {pm};
  const std::string mapping_path = GoldenPath("offset_mapping_v1.json");
  if (UpdateGolden()) WriteFile(mapping_path, SerializeOffsetMapping(mapping));
  const std::string mapping_golden = ReadFile(mapping_path);
  EXPECT_EQ(SerializeOffsetMapping(mapping), mapping_golden);
  auto mapping_back = ParseOffsetMapping(mapping_golden, "offset_mapping_v1.json");
  ASSERT_TRUE(mapping_back) << mapping_back.error().ToString();
  EXPECT_EQ(SerializeOffsetMapping(*mapping_back), mapping_golden);

  RestoreProgress progress;
  progress.restore_id = "restore-1796000000000-1a2b3c4d";
  progress.backup_id = "golden-backup";
  progress.fingerprint = "b4c1d2e3f4a5b6c7";
  progress.created_at_ms = 1796000000000;
  progress.updated_at_ms = 1796000000900;
  RestorePartitionProgress pp;
  pp.source_topic = "payments";
  pp.source_partition = 0;
  pp.target_topic = "payments-restored";
  pp.target_partition = 0;
  pp.next_source_offset = 4000;
  pp.target_end_offset = 3950;
  pp.records = 3950;
  pp.bytes = 2370;
  pp.first_source_offset = 0;
  pp.last_source_offset = 3999;
  pp.ranges = {{0, 0, 100}, {150, 100, 3850}};
  progress.partitions = {pp};
  CheckGolden("restore_progress_v1.json", progress, Keyed(ParseRestoreProgress, "restore_progress_v1.json"));

  CheckGolden("restore_report_v1.json", GoldenReport(), Keyed(ParseRestoreReport, "restore_report_v1.json"));
  RestoreReport merged = GoldenReport();
  merged.part_restores = {"restore-1796000000000-1a2b3c4d-part-0-of-2", "restore-1796000000000-1a2b3c4d-part-1-of-2"};
  CheckGolden("restore_report_merged_v1.json", merged, Keyed(ParseRestoreReport, "restore_report_merged_v1.json"));
}

TEST(FormatGoldenTest, OffsetAndRestoreReadersNameTheObjectAndTheField) {
  OffsetCapture capture;
  capture.captured_at_ms = 1795136400000;
  capture.groups = {GoldenGroup("billing", "Stable")};
  auto doc = nlohmann::json::parse(Serialize(capture));
  doc["groups"][0]["offsets"][0]["offset"] = "x";
  auto bad = ParseOffsetCapture(doc.dump(), "backups/b/offsets/capture-1.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(bad.error().message.find("backups/b/offsets/capture-1.json"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("offset"), std::string::npos) << bad.error().message;

  auto report = nlohmann::json::parse(Serialize(GoldenReport()));
  report["format_version"] = 2;
  auto newer = ParseRestoreReport(report.dump(), "report.json");
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("upgrade kafka-backup"), std::string::npos) << newer.error().message;

  auto truncated = ParseRestoreProgress("{\"format_version\":1,\"restore_id\":", "progress.json");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(truncated.error().message.find("progress.json"), std::string::npos) << truncated.error().message;
}

}  // namespace
}  // namespace kb::format
