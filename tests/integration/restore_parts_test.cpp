// Parallel restore on the real broker: `restore --workers N --worker-index I` on N "machines"
// (processes here) writes every record once, each target partition from one part only; the offset
// step waits for every part (`three-phase-restore --workers N --after-parts`) and then puts the
// group on the right records once.
#include <chrono>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backup/backup_engine.h"
#include "kafka/admin_client.h"
#include "storage/filesystem_store.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

constexpr int kPartitions = 4;
constexpr int kRecords = 40;   // per partition
constexpr int64_t kConsumed = 25;  // the group's committed offset on every partition

class RestoreParts : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = test::Admin();
    source_ = test::UniqueName("parts-src");
    target_ = source_ + "-restored";
    group_ = test::UniqueName("parts-group");
    backup_id_ = test::UniqueName("parts");
    dir_ = test::TempDir("restore-parts");
    test::CreateTopic(source_, kPartitions);
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::vector<kafka::GroupOffset> consumed;
    for (int p = 0; p < kPartitions; ++p) {
      std::vector<Record> recs;
      for (int i = 0; i < kRecords; ++i) {
        Record r;
        r.offset = i;
        r.timestamp = now - 60000 + i;
        r.key = "k-" + std::to_string(i);
        r.value = "p" + std::to_string(p) + "-" + std::to_string(i);
        recs.push_back(r);
      }
      test::ProduceRecords(source_, p, recs);
      consumed.push_back({source_, p, kConsumed, ""});
    }
    auto c = admin_->AlterGroupOffsets(group_, consumed);
    ASSERT_TRUE(c) << c.error().ToString();
    Config bc = test::BackupConfig(backup_id_, source_, dir_ + "/store");
    FilesystemStore store(dir_ + "/store");
    auto b = BackupEngine(bc, store).Run();
    ASSERT_TRUE(b) << b.error().ToString();
    ASSERT_TRUE(b->errors.empty()) << b->errors.front();

    config_ = dir_ + "/restore.yaml";
    std::ofstream(config_) << "mode: restore\nbackup_id: " << backup_id_ << "\ntarget:\n  bootstrap_servers: ["
                           << test::RequireEnv("KB_BOOTSTRAP") << "]\n  topics: [" << source_ << "]\n"
                           << "storage:\n  backend: filesystem\n  path: " << dir_ << "/store\n"
                           << "restore:\n  topic_mapping:\n    " << source_ << ": " << target_
                           << "\n  create_topics: true\n  consumer_group_strategy: header-based\n"
                           << "  consumer_groups: [" << group_ << "]\n  reset_consumer_offsets: true\n";
  }
  void TearDown() override {
    (void)admin_->DeleteConsumerGroup(group_);
    (void)admin_->DeleteTopic(source_);
    (void)admin_->DeleteTopic(target_);
  }

  std::pair<int, std::string> Cli(const std::vector<std::string>& args) {
    std::string log = dir_ + "/cli-" + std::to_string(++runs_) + ".log";
    int rc = test::RunCli(args, log);
    return {rc, test::ReadTextFile(log)};
  }
  std::vector<std::string> Part(int index) {
    return {"restore", "--config", config_, "--workers", "3", "--worker-index", std::to_string(index)};
  }
  int64_t CommittedOnTarget(int32_t partition) {
    auto o = admin_->ListGroupOffsets(group_);
    EXPECT_TRUE(o) << o.error().ToString();
    if (o)
      for (const auto& g : *o)
        if (g.topic == target_ && g.partition == partition) return g.offset;
    return -1;
  }

  std::unique_ptr<kafka::AdminClient> admin_;
  std::string source_, target_, group_, backup_id_, dir_, config_;
  int runs_ = 0;
};

TEST_F(RestoreParts, ThreeMachinesWriteEveryRecordOnceAndOffsetsMoveOnceAllAreIn) {
  // Each part plans its own share; together they cover every partition once.
  std::set<int> planned;
  size_t entries = 0;
  for (int i = 0; i < 3; ++i) {
    auto args = Part(i);
    args[0] = "validate-restore";
    args.insert(args.end(), {"--format", "json"});
    auto [rc, out] = Cli(args);
    ASSERT_EQ(rc, 0) << out;
    auto plan = nlohmann::json::parse(out.substr(out.find('{')));
    for (const auto& e : plan["entries"]) planned.insert(e["source_partition"].get<int>()), entries++;
  }
  EXPECT_EQ(entries, static_cast<size_t>(kPartitions));
  EXPECT_EQ(planned.size(), static_cast<size_t>(kPartitions));

  // Parts 0 and 1 at the same time (both may create the target topic).
  pid_t p0 = test::StartCli(Part(0), dir_ + "/part0.log");
  pid_t p1 = test::StartCli(Part(1), dir_ + "/part1.log");
  ASSERT_EQ(test::WaitCli(p0), 0) << test::ReadTextFile(dir_ + "/part0.log");
  ASSERT_EQ(test::WaitCli(p1), 0) << test::ReadTextFile(dir_ + "/part1.log");

  // Offsets wait for the missing part: nothing is committed yet.
  std::vector<std::string> after = {"three-phase-restore", "--config", config_, "--workers", "3", "--after-parts"};
  auto [early, early_out] = Cli(after);
  EXPECT_NE(early, 0) << early_out;
  EXPECT_NE(early_out.find("part(s) 2 of 3"), std::string::npos) << early_out;
  for (int p = 0; p < kPartitions; ++p) EXPECT_EQ(CommittedOnTarget(p), -1) << "partition " << p;

  auto [rc2, out2] = Cli(Part(2));
  ASSERT_EQ(rc2, 0) << out2;
  auto restored = test::ReadTopic(target_);
  for (int p = 0; p < kPartitions; ++p) {
    ASSERT_EQ(restored[p].size(), static_cast<size_t>(kRecords)) << "partition " << p;
    for (int i = 0; i < kRecords; ++i)
      ASSERT_EQ(restored[p][i].value, "p" + std::to_string(p) + "-" + std::to_string(i)) << "partition " << p;
  }

  auto [rc, out] = Cli(after);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("SUCCESS"), std::string::npos) << out;
  for (int p = 0; p < kPartitions; ++p) EXPECT_EQ(CommittedOnTarget(p), kConsumed) << "partition " << p << "\n" << out;
}

TEST_F(RestoreParts, BadPartFlagsAreUsageErrors) {
  EXPECT_EQ(Cli({"restore", "--config", config_, "--workers", "2"}).first, 2);
  EXPECT_EQ(Cli({"restore", "--config", config_, "--workers", "2", "--worker-index", "2"}).first, 2);
  EXPECT_EQ(Cli({"three-phase-restore", "--config", config_, "--after-parts"}).first, 2);
  auto [rc, out] = Cli({"restore", "--config", config_, "--worker-index", "1"});
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("--worker-index needs --workers"), std::string::npos) << out;
}

}  // namespace
}  // namespace kb
