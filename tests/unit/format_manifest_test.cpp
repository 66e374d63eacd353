// Manifest JSON: round trip of every field, stable output, and strict parsing errors.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "format/manifest.h"

namespace kb::format {
namespace {

using nlohmann::json;

Manifest SampleManifest() {
  Manifest m;
  m.backup_id = "pitr-backup";
  m.status = "complete";
  m.mode = "snapshot";
  m.compression = "zstd";
  m.cluster_id = "MkU3OEVBNTcwNTJENDM2Qk";
  m.tool_version = "0.1.0";
  m.created_at_ms = 1764000000000;
  m.updated_at_ms = 1764000005000;

  TopicManifest t;
  t.name = "payments";
  t.partition_count = 2;
  t.replication_factor = 3;
  t.configs = {{"cleanup.policy", "compact"}, {"retention.ms", "604800000"}};
  PartitionManifest p0;
  p0.partition = 0;
  SegmentRef s;
  s.key = "pitr-backup/topics/payments/0/00000000000000000000-00000000000000000099.kbs";
  s.first_offset = 0;
  s.last_offset = 99;
  s.min_timestamp = std::numeric_limits<int64_t>::min();
  s.max_timestamp = std::numeric_limits<int64_t>::max();
  s.record_count = 100;
  s.raw_bytes = std::numeric_limits<uint64_t>::max();
  s.stored_bytes = 1234;
  s.crc32c = std::numeric_limits<uint32_t>::max();
  s.codec = "zstd";
  p0.segments.push_back(s);
  s.key = "pitr-backup/topics/payments/0/00000000000000000150-00000000000000000159.kbs";
  s.first_offset = 150;
  s.last_offset = 159;
  s.record_count = 7;
  s.codec = "lz4";
  p0.segments.push_back(s);
  p0.gaps.push_back(Gap{100, 149, "offset out of range: log start moved to 150", 1764000001000});
  p0.next_offset = 160;
  p0.end_offset_at_start = 160;
  PartitionManifest p1;
  p1.partition = 1;
  p1.next_offset = 0;
  p1.end_offset_at_start = -1;
  t.partitions = {p0, p1};
  TopicManifest empty_topic;
  empty_topic.name = "audit.log_v2-x";
  empty_topic.partition_count = 1;
  empty_topic.replication_factor = 1;
  m.topics = {empty_topic, t};
  return m;
}

Error ParseError(const std::string& text) {
  auto parsed = ParseManifest(text);
  EXPECT_FALSE(parsed) << "parsed unexpectedly: " << text;
  return parsed ? Error{} : parsed.error();
}

// Serializes SampleManifest, lets `edit` damage the JSON, and returns the parse error.
template <typename F>
Error ParseEdited(F edit) {
  json j = json::parse(SerializeManifest(SampleManifest()));
  edit(j);
  return ParseError(j.dump());
}

TEST(FormatManifestTest, RoundTripKeepsEveryField) {
  const Manifest m = SampleManifest();
  const std::string text = SerializeManifest(m);
  auto parsed = ParseManifest(text);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(SerializeManifest(*parsed), text);

  EXPECT_EQ(parsed->format_version, 1);
  EXPECT_EQ(parsed->backup_id, "pitr-backup");
  EXPECT_EQ(parsed->status, "complete");
  EXPECT_EQ(parsed->mode, "snapshot");
  EXPECT_EQ(parsed->compression, "zstd");
  EXPECT_EQ(parsed->cluster_id, "MkU3OEVBNTcwNTJENDM2Qk");
  EXPECT_EQ(parsed->tool_version, "0.1.0");
  EXPECT_EQ(parsed->created_at_ms, 1764000000000);
  EXPECT_EQ(parsed->updated_at_ms, 1764000005000);
  ASSERT_EQ(parsed->topics.size(), 2u);
  const TopicManifest& t = parsed->topics[1];
  EXPECT_EQ(t.name, "payments");
  EXPECT_EQ(t.partition_count, 2);
  EXPECT_EQ(t.replication_factor, 3);
  EXPECT_EQ(t.configs.at("cleanup.policy"), "compact");
  ASSERT_EQ(t.partitions.size(), 2u);
  const PartitionManifest& p = t.partitions[0];
  EXPECT_EQ(p.next_offset, 160);
  EXPECT_EQ(p.end_offset_at_start, 160);
  ASSERT_EQ(p.segments.size(), 2u);
  const SegmentRef& s = p.segments[0];
  EXPECT_EQ(s.key, m.topics[1].partitions[0].segments[0].key);
  EXPECT_EQ(s.first_offset, 0);
  EXPECT_EQ(s.last_offset, 99);
  EXPECT_EQ(s.min_timestamp, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(s.max_timestamp, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(s.record_count, 100u);
  EXPECT_EQ(s.raw_bytes, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(s.stored_bytes, 1234u);
  EXPECT_EQ(s.crc32c, std::numeric_limits<uint32_t>::max());
  EXPECT_EQ(s.codec, "zstd");
  EXPECT_EQ(p.segments[1].codec, "lz4");
  ASSERT_EQ(p.gaps.size(), 1u);
  EXPECT_EQ(p.gaps[0].from_offset, 100);
  EXPECT_EQ(p.gaps[0].to_offset, 149);
  EXPECT_EQ(p.gaps[0].reason, "offset out of range: log start moved to 150");
  EXPECT_EQ(p.gaps[0].detected_at_ms, 1764000001000);
  EXPECT_EQ(t.partitions[1].end_offset_at_start, -1);
}

TEST(FormatManifestTest, SerializationIsStableWithSortedKeysAndNumbers) {
  const std::string a = SerializeManifest(SampleManifest());
  EXPECT_EQ(a, SerializeManifest(SampleManifest()));
  EXPECT_EQ(a.back(), '\n');
  EXPECT_LT(a.find("\"backup_id\""), a.find("\"cluster_id\""));
  EXPECT_LT(a.find("\"cluster_id\""), a.find("\"format_version\""));
  EXPECT_LT(a.find("\"format_version\""), a.find("\"topics\""));
  EXPECT_NE(a.find("\"crc32c\": 4294967295"), std::string::npos) << "crc32c is a JSON number";
  EXPECT_NE(a.find("\"first_offset\": 150"), std::string::npos) << "offsets are JSON numbers";
  EXPECT_NE(a.find("\n  \"topics\""), std::string::npos) << "indented for humans";
}

TEST(FormatManifestTest, RecordCountSumsSegments) {
  const Manifest m = SampleManifest();
  EXPECT_EQ(m.topics[1].partitions[0].record_count(), 107u);
  EXPECT_EQ(m.topics[1].partitions[1].record_count(), 0u);
}

TEST(FormatManifestTest, FindHelpersReturnMatchOrNull) {
  Manifest m = SampleManifest();
  TopicManifest* t = m.FindTopic("payments");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "payments");
  EXPECT_EQ(m.FindTopic("missing"), nullptr);
  PartitionManifest* p = t->FindPartition(1);
  ASSERT_NE(p, nullptr);
  p->next_offset = 42;  // the pointer refers into the manifest
  const Manifest& cm = m;
  ASSERT_NE(cm.FindTopic("payments"), nullptr);
  EXPECT_EQ(cm.FindTopic("payments")->FindPartition(1)->next_offset, 42);
  EXPECT_EQ(cm.FindTopic("payments")->FindPartition(7), nullptr);
}

TEST(FormatManifestTest, NotJsonIsCorrupt) {
  EXPECT_EQ(ParseError("{ not json").code, ErrorCode::kCorrupt);
  EXPECT_EQ(ParseError("").code, ErrorCode::kCorrupt);
  EXPECT_EQ(ParseError("[1,2]").code, ErrorCode::kCorrupt);
  EXPECT_EQ(ParseError(SerializeManifest(SampleManifest()).substr(0, 200)).code, ErrorCode::kCorrupt);
}

TEST(FormatManifestTest, MissingFieldIsCorruptNamingItsPath) {
  Error e = ParseEdited([](json& j) { j["topics"][1]["partitions"][0]["segments"][1].erase("crc32c"); });
  EXPECT_EQ(e.code, ErrorCode::kCorrupt);
  EXPECT_NE(e.message.find("topics[1].partitions[0].segments[1].crc32c: missing"), std::string::npos) << e.message;

  e = ParseEdited([](json& j) { j.erase("backup_id"); });
  EXPECT_EQ(e.code, ErrorCode::kCorrupt);
  EXPECT_NE(e.message.find("backup_id: missing"), std::string::npos) << e.message;

  e = ParseEdited([](json& j) { j["topics"][1]["partitions"][0].erase("gaps"); });
  EXPECT_EQ(e.code, ErrorCode::kCorrupt);
  EXPECT_NE(e.message.find("gaps"), std::string::npos) << e.message;
}

TEST(FormatManifestTest, MistypedFieldIsCorrupt) {
  const std::vector<std::pair<std::string, std::function<void(json&)>>> cases = {
      {"crc32c", [](json& j) { j["topics"][1]["partitions"][0]["segments"][0]["crc32c"] = "12"; }},
      {"crc32c", [](json& j) { j["topics"][1]["partitions"][0]["segments"][0]["crc32c"] = 4294967296ULL; }},
      {"record_count", [](json& j) { j["topics"][1]["partitions"][0]["segments"][0]["record_count"] = -1; }},
      {"partition", [](json& j) { j["topics"][1]["partitions"][0]["partition"] = 1.5; }},
      {"replication_factor", [](json& j) { j["topics"][1]["replication_factor"] = 40000; }},
      {"first_offset", [](json& j) { j["topics"][1]["partitions"][0]["segments"][0]["first_offset"] = nullptr; }},
      {"first_offset",
       [](json& j) { j["topics"][1]["partitions"][0]["segments"][0]["first_offset"] = 18446744073709551615ULL; }},
      {"topics", [](json& j) { j["topics"] = json::object(); }},
      {"configs", [](json& j) { j["topics"][1]["configs"]["cleanup.policy"] = 1; }},
      {"status", [](json& j) { j["status"] = true; }},
      {"partitions[0]", [](json& j) { j["topics"][1]["partitions"][0] = 3; }},
  };
  for (const auto& [field, edit] : cases) {
    const Error e = ParseEdited(edit);
    EXPECT_EQ(e.code, ErrorCode::kCorrupt) << field;
    EXPECT_NE(e.message.find(field), std::string::npos) << field << ": " << e.message;
  }
}

TEST(FormatManifestTest, NewerFormatVersionIsInvalidArgument) {
  const Error e = ParseError(R"({"format_version": 2, "something": "new"})");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(e.message.find("upgrade"), std::string::npos) << e.message;
  EXPECT_EQ(ParseEdited([](json& j) { j["format_version"] = 99; }).code, ErrorCode::kInvalidArgument);
}

TEST(FormatManifestTest, ZeroFormatVersionIsCorrupt) {
  EXPECT_EQ(ParseEdited([](json& j) { j["format_version"] = 0; }).code, ErrorCode::kCorrupt);
}

TEST(FormatManifestTest, UnknownFieldsAreIgnored) {
  json j = json::parse(SerializeManifest(SampleManifest()));
  j["added_later"] = {{"x", 1}};
  j["topics"][0]["note"] = "hi";
  auto parsed = ParseManifest(j.dump());
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(SerializeManifest(*parsed), SerializeManifest(SampleManifest()));
}

}  // namespace
}  // namespace kb::format
