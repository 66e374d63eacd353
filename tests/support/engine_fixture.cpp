#include "support/engine_fixture.h"

#include "core/stop.h"

namespace kb::test {

kafka::KafkaClientConfig MemoryClient() {
  kafka::KafkaClientConfig c;
  c.bootstrap_servers = {"memory:9092"};
  return c;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void ExpectSameRecords(const std::vector<Record>& want, const std::vector<Record>& got, const std::string& where) {
  ASSERT_EQ(want.size(), got.size()) << where;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].key, got[i].key) << where << " record " << i;
    EXPECT_EQ(want[i].value, got[i].value) << where << " record " << i;
    EXPECT_EQ(want[i].headers, got[i].headers) << where << " record " << i;
    EXPECT_EQ(want[i].timestamp, got[i].timestamp) << where << " record " << i;
    EXPECT_EQ(want[i].timestamp_type, got[i].timestamp_type) << where << " record " << i;
  }
}

std::vector<std::pair<int64_t, int64_t>> Pairs(const OffsetMapping& mapping, const std::string& topic, int32_t p) {
  std::vector<std::pair<int64_t, int64_t>> out;
  const PartitionMapping* pm = mapping.Find(topic, p);
  EXPECT_TRUE(pm) << "no mapping for topic=" << topic << " partition=" << p;
  if (pm)
    for (const auto& r : pm->ranges)
      for (int64_t i = 0; i < r.count; ++i) out.emplace_back(r.source_offset + i, r.target_offset + i);
  return out;
}

std::vector<int64_t> Offsets(const std::vector<Record>& records) {
  std::vector<int64_t> out;
  for (const auto& r : records) out.push_back(r.offset);
  return out;
}

void EngineMemoryKafka::SetUp() {
  ResetStopForTests();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  // The suite is in the name: two suites may have tests of the same name, and stores are shared by name.
  store_name_ = std::string("engine-") + info->test_suite_name() + "." + info->name();
  MemoryStore::ClearForTests(store_name_);
  store_ = std::make_unique<MemoryStore>(store_name_);
}

void EngineMemoryKafka::TearDown() { ResetStopForTests(); }

Config EngineMemoryKafka::BackupConfig(const std::string& keys, const std::string& include) {
  return Parse("backup_id: b1\nsource:\n  bootstrap_servers: [memory:9092]\n  topics:\n    include: ['" + include +
               "']\n" + StorageYaml() + "backup:\n  compression: zstd\n" + keys);
}

Config EngineMemoryKafka::RestoreConfig(const std::string& keys) {
  return Parse("backup_id: b1\ntarget:\n  bootstrap_servers: [memory:9092]\n" + StorageYaml() +
               "restore:\n  create_topics: true\n" + keys);
}

BackupSummary EngineMemoryKafka::Backup(const Config& config, BackupHooks hooks) {
  BackupEngine engine(config, *store_, source_, std::move(hooks));
  auto summary = engine.Run();
  EXPECT_TRUE(summary) << summary.error().ToString();
  if (!summary) return {};
  EXPECT_TRUE(summary->errors.empty()) << Join(summary->errors);
  return *summary;
}

RestoreResult EngineMemoryKafka::Restore(const Config& config) {
  RestoreEngine engine(config, *store_, target_);
  auto result = engine.Run();
  EXPECT_TRUE(result) << result.error().ToString();
  return result ? *result : RestoreResult{};
}

std::string EngineMemoryKafka::StorageYaml() const {
  return "storage:\n  backend: memory\n  name: " + store_name_ + "\n";
}

Config EngineMemoryKafka::Parse(const std::string& yaml) {
  auto c = ParseConfig(yaml, "test.yaml");
  EXPECT_TRUE(c) << c.error().ToString();
  return c ? *c : Config{};
}

}  // namespace kb::test
