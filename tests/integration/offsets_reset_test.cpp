// offset-reset after a real backup and PITR restore: a group that had read 30 of 50 records
// lands exactly on the target offset of source record 30, whatever the strategy; the plan
// matches the mapping's translation; the generated script runs with Kafka's own tool.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backup/backup_engine.h"
#include "kafka/admin_client.h"
#include "restore/restore_engine.h"
#include "storage/filesystem_store.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

std::pair<int, std::string> Cli(const std::vector<std::string>& args) {
  std::string dir = test::TempDir("offsets-reset-cli");
  int rc = test::RunCli(args, dir + "/out.log");
  return {rc, test::ReadTextFile(dir + "/out.log")};
}

class OffsetsResetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bootstrap_ = test::RequireEnv("KB_BOOTSTRAP");
    admin_ = test::Admin();
    source_ = test::UniqueName("offsets-src");
    target_ = source_ + "-restored";
    group_ = test::UniqueName("offsets-reset-group");
    backup_id_ = test::UniqueName("offsets-backup");
    dir_ = test::TempDir("offsets-reset");
    test::CreateTopic(source_, 1);
    // 50 records, one second apart, in the recent past.
    base_ts_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() - 120000;
    std::vector<Record> recs;
    for (int i = 0; i < 50; ++i) {
      Record r;
      r.offset = i;
      r.timestamp = base_ts_ + i * 1000;
      r.key = "k-" + std::to_string(i);
      r.value = "{\"payment_id\": \"PAY-" + std::to_string(i) + "\"}";
      recs.push_back(r);
    }
    test::ProduceRecords(source_, 0, recs);
    // The group has consumed 30 of them.
    auto c = admin_->AlterGroupOffsets(group_, {{source_, 0, 30, ""}});
    ASSERT_TRUE(c) << c.error().ToString();

    Config bc = test::BackupConfig(backup_id_, source_, dir_ + "/store");
    store_ = std::make_unique<FilesystemStore>(dir_ + "/store");
    auto b = BackupEngine(bc, *store_).Run();
    ASSERT_TRUE(b) << b.error().ToString();

    // PITR: only records from source offset 10 on are restored (the window starts at its
    // timestamp), so source offset 30 lands at target offset 20.
    Config rc;
    rc.mode = "restore";
    rc.backup_id = backup_id_;
    rc.storage = bc.storage;
    rc.storage_given = true;
    rc.target.emplace();
    rc.target->bootstrap_servers = {bootstrap_};
    rc.target->topics.include = {source_};
    rc.restore.topic_mapping[source_] = target_;
    rc.restore.create_topics = true;
    rc.restore.time_window_start = base_ts_ + 10 * 1000;
    rc.restore.consumer_group_strategy = format::ResetStrategy::kHeaderBased;
    auto r = RestoreEngine(rc, *store_).Run();
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_TRUE(r->complete);
    auto t = r->mapping.Translate(source_, 0, 30);
    ASSERT_TRUE(t) << t.error().ToString();
    ASSERT_EQ(t->offset, 20) << "the restore's mapping must place source 30 at target 20";
  }
  void TearDown() override {
    (void)admin_->DeleteConsumerGroup(group_);
    (void)admin_->DeleteTopic(source_);
    (void)admin_->DeleteTopic(target_);
  }
  std::vector<std::string> ResetArgs(const std::string& sub) {
    return {"offset-reset", sub, "--path", dir_ + "/store", "--backup-id", backup_id_, "--groups", group_,
            "--bootstrap-servers", bootstrap_};
  }
  int64_t CommittedOnTarget() {
    auto o = admin_->ListGroupOffsets(group_);
    EXPECT_TRUE(o) << o.error().ToString();
    if (o)
      for (const auto& g : *o)
        if (g.topic == target_ && g.partition == 0) return g.offset;
    return -1;
  }

  std::string bootstrap_, source_, target_, group_, backup_id_, dir_;
  int64_t base_ts_ = 0;
  std::unique_ptr<kafka::AdminClient> admin_;
  std::unique_ptr<FilesystemStore> store_;
};

TEST_F(OffsetsResetTest, ExecuteLandsTheGroupOnTheTargetOffsetOfSourceRecord30) {
  auto [rc, out] = Cli(ResetArgs("execute"));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(CommittedOnTarget(), 20) << out;
}

TEST_F(OffsetsResetTest, EveryStrategyPlansTheMappingsTranslation) {
  for (std::string strategy : {"header-based", "timestamp-based", "cluster-scan", "manual"}) {
    auto args = ResetArgs("plan");
    args.insert(args.end(), {"--strategy", strategy, "--format", "json"});
    auto [rc, out] = Cli(args);
    ASSERT_EQ(rc, 0) << strategy << ": " << out;
    auto j = nlohmann::json::parse(out.substr(out.find('{')));
    ASSERT_EQ(j["entries"].size(), 1u) << out;
    EXPECT_EQ(j["entries"][0]["target_offset"], 20) << strategy << ": " << out;
    EXPECT_EQ(j["entries"][0]["mapped_offset"], 20) << strategy;
    EXPECT_EQ(j["entries"][0]["target_topic"], target_);
  }
  auto args = ResetArgs("plan");
  args.insert(args.end(), {"--strategy", "skip", "--format", "json"});
  auto [rc, out] = Cli(args);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out.substr(out.find('{')))["entries"][0]["target_offset"], -1) << out;
}

TEST_F(OffsetsResetTest, ManualStrategyRefusesToExecute) {
  auto args = ResetArgs("execute");
  args.insert(args.end(), {"--strategy", "manual"});
  auto [rc, out] = Cli(args);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("manual only plans"), std::string::npos) << out;
  EXPECT_EQ(CommittedOnTarget(), -1) << "manual must commit nothing";
}

TEST_F(OffsetsResetTest, GeneratedScriptRunsWithKafkaConsumerGroups) {
  std::string script = dir_ + "/reset.sh";
  auto args = ResetArgs("script");
  args.insert(args.end(), {"--output", script});
  auto [rc, out] = Cli(args);
  ASSERT_EQ(rc, 0) << out;
  std::string text = test::ReadTextFile(script);
  EXPECT_NE(text.find("--reset-offsets --to-offset 20"), std::string::npos) << text;
  EXPECT_NE(text.find("--topic '" + target_ + ":0'"), std::string::npos) << text;
  std::string cli = std::string(KB_SOURCE_DIR) + "/scripts/kafka-cli.sh consumer-groups";
  std::string cmd = "KAFKA_CONSUMER_GROUPS='" + std::string(KB_SOURCE_DIR) + "/scripts/kafka-cli.sh' bash -c '" +
                    "sed \"s#\\\"\\$KAFKA_CONSUMER_GROUPS\\\"#\\\"\\$KAFKA_CONSUMER_GROUPS\\\" consumer-groups#\" " + script +
                    " | bash' > " + dir_ + "/script.log 2>&1";
  int status = std::system(cmd.c_str());
  ASSERT_EQ(status, 0) << test::ReadTextFile(dir_ + "/script.log");
  EXPECT_EQ(CommittedOnTarget(), 20) << test::ReadTextFile(dir_ + "/script.log");
}

// The whole flow from a config: safety snapshot, restore, translate, commit + verify, one box.
TEST_F(OffsetsResetTest, ThreePhaseRestoreSnapshotsRestoresAndCommitsVerifiedOffsets) {
  std::string second = target_ + "-3p";
  std::string config = dir_ + "/three-phase.yaml";
  std::ofstream(config) << "mode: restore\nbackup_id: \"" << backup_id_ << "\"\n"
                        << "target:\n  bootstrap_servers:\n    - " << bootstrap_ << "\n  topics:\n    include:\n      - " << source_ << "\n"
                        << "storage:\n  backend: filesystem\n  path: " << dir_ << "/store\n"
                        << "restore:\n  time_window_start: " << base_ts_ + 10 * 1000 << "\n"
                        << "  topic_mapping:\n    " << source_ << ": " << second << "\n  create_topics: true\n"
                        << "  consumer_group_strategy: header-based\n  consumer_groups:\n    - " << group_ << "\n"
                        << "  reset_consumer_offsets: true\n";
  auto [rc, out] = Cli({"three-phase-restore", "--config", config});
  // Read before the topic is deleted: the broker drops a deleted topic's committed offsets.
  auto o = admin_->ListGroupOffsets(group_);
  (void)admin_->DeleteTopic(second);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("┌"), std::string::npos) << out;
  EXPECT_NE(out.find("SUCCESS"), std::string::npos) << out;
  EXPECT_NE(out.find("snapshot-"), std::string::npos) << "phase 1 names its safety snapshot: " << out;
  ASSERT_TRUE(o);
  int64_t got = -1;
  for (const auto& g : *o)
    if (g.topic == second) got = g.offset;
  EXPECT_EQ(got, 20) << out;
}

// A backup without captured positions stops the run before anything is written: no restore,
// no commit.
TEST_F(OffsetsResetTest, ThreePhaseRestoreWithoutPositionsChangesNothing) {
  std::string second = target_ + "-3q";
  std::string bad = dir_ + "/three-phase-bad.yaml";
  std::ofstream(bad) << "mode: restore\nbackup_id: \"" << backup_id_ << "-missing\"\n"
                     << "target:\n  bootstrap_servers:\n    - " << bootstrap_ << "\n"
                     << "storage:\n  backend: filesystem\n  path: " << dir_ << "/store\n"
                     << "restore:\n  topic_mapping:\n    " << source_ << ": " << second << "\n  create_topics: true\n"
                     << "  consumer_group_strategy: header-based\n  consumer_groups:\n    - " << group_ << "\n"
                     << "  reset_consumer_offsets: true\n";
  auto [rc, out] = Cli({"three-phase-restore", "--config", bad});
  EXPECT_NE(rc, 0) << out;
  auto before = admin_->ListGroupOffsets(group_);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->size(), 1u) << "nothing may be committed when the backup has no positions";
  EXPECT_EQ((*before)[0].topic, source_);
  EXPECT_FALSE(admin_->TopicExists(second).value_or(true));
}

// A partial restore is never followed by a commit: with a corrupted segment the restore fails,
// phase 5 rolls the groups back to the safety snapshot, and the group keeps exactly the offsets it
// had before the run. Exit code 3 (partial), and the box says so.
TEST_F(OffsetsResetTest, ThreePhaseRestoreAfterAPartialRestoreRollsBackAndCommitsNothing) {
  namespace fs = std::filesystem;
  std::string segment;
  for (const auto& e : fs::recursive_directory_iterator(dir_ + "/store/" + backup_id_))
    if (e.path().extension() == ".kbs") segment = e.path().string();
  ASSERT_FALSE(segment.empty()) << "no segment under " << dir_ << "/store/" << backup_id_;
  {
    // Flip one byte in the middle of the segment: inside a block, so its CRC no longer matches.
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    auto size = static_cast<std::streamoff>(fs::file_size(segment));
    f.seekg(size / 2);
    char c = 0;
    f.get(c);
    f.seekp(size / 2);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  std::string second = target_ + "-3r";
  std::string config = dir_ + "/three-phase-partial.yaml";
  std::ofstream(config) << "mode: restore\nbackup_id: \"" << backup_id_ << "\"\n"
                        << "target:\n  bootstrap_servers:\n    - " << bootstrap_ << "\n  topics:\n    include:\n      - " << source_ << "\n"
                        << "storage:\n  backend: filesystem\n  path: " << dir_ << "/store\n"
                        << "restore:\n  topic_mapping:\n    " << source_ << ": " << second << "\n  create_topics: true\n"
                        << "  consumer_group_strategy: header-based\n  consumer_groups:\n    - " << group_ << "\n"
                        << "  reset_consumer_offsets: true\n";
  auto [rc, out] = Cli({"three-phase-restore", "--config", config});
  (void)admin_->DeleteTopic(second);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find("FAILED"), std::string::npos) << out;
  EXPECT_NE(out.find("partial restore: consumer offsets are NOT committed"), std::string::npos) << out;
  EXPECT_NE(out.find("crc32c mismatch"), std::string::npos) << "the failure names the corrupted block: " << out;
  auto after = admin_->ListGroupOffsets(group_);
  ASSERT_TRUE(after) << after.error().ToString();
  ASSERT_EQ(after->size(), 1u) << "only the pre-run offset may remain: " << out;
  EXPECT_EQ((*after)[0].topic, source_);
  EXPECT_EQ((*after)[0].offset, 30);
}

}  // namespace
}  // namespace kb
