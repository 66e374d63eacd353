// --dry-run on every command that accepts it (restore, three-phase-restore, validate-restore),
// run as the binary against the real broker and MinIO, with a config that would do everything a
// restore can write: create a missing target topic, write into an existing empty one, snapshot
// and reset a consumer group, store progress, mapping and report objects. Each test proves that
// none of it happened: no topic created, no record written, no offset committed, no object stored.
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backup/backup_engine.h"
#include "kafka/admin_client.h"
#include "storage/storage_config.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

Record Rec(int64_t ts, const std::string& value) {
  Record r;
  r.timestamp = ts;
  r.key = "k";
  r.value = value;
  return r;
}

class DryRun : public test::BrokerTopicsTest {
 protected:
  void SetUp() override {
    test::BrokerTopicsTest::SetUp();
    src_created_ = NewTopic("dry-src-new", 1);
    src_existing_ = NewTopic("dry-src-old", 1);
    dst_existing_ = NewTopic("dry-dst-old", 1);
    dst_missing_ = Track(test::UniqueName("dry-dst-new"));  // deleted afterwards if a bug made it
    group_ = test::UniqueName("dry-group");
    for (const auto& t : {src_created_, src_existing_}) {
      std::vector<Record> recs;
      for (int i = 0; i < 5; ++i) recs.push_back(Rec(1764000000000 + i, t + "-" + std::to_string(i)));
      test::ProduceRecords(t, 0, recs);
    }
    auto committed = admin_->AlterGroupOffsets(group_, {{src_created_, 0, 3, ""}, {src_existing_, 0, 2, ""}});
    ASSERT_TRUE(committed) << committed.error().ToString();

    storage_ = test::MinioStorage(test::UniqueName("dry-run"));
    Config bc = test::BackupConfig(test::UniqueName("dry"), src_created_, "");
    bc.source->topics.include = {src_created_, src_existing_};
    bc.storage = storage_;
    bc.backup.consumer_groups = {group_};
    backup_id_ = bc.backup_id;
    auto store = OpenObjectStore(storage_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    BackupEngine engine(bc, *store_);
    auto summary = engine.Run();
    ASSERT_TRUE(summary) << summary.error().ToString();
    ASSERT_TRUE(summary->errors.empty()) << summary->errors.front();
    ASSERT_EQ(summary->records, 10u);

    config_ = test::TempDir("dry-run") + "/restore.yaml";
    std::ofstream(config_) << "mode: restore\nbackup_id: " << backup_id_ << "\n"
                           << "target:\n  bootstrap_servers: [" << test::RequireEnv("KB_BOOTSTRAP") << "]\n"
                           << "  topics: [" << src_created_ << ", " << src_existing_ << "]\n"
                           << test::StorageYaml(storage_) << "restore:\n  create_topics: true\n"
                           << "  reset_consumer_offsets: true\n  consumer_group_strategy: timestamp-based\n"
                           << "  consumer_groups: [" << group_ << "]\n  topic_mapping:\n"
                           << "    " << src_created_ << ": " << dst_missing_ << "\n"
                           << "    " << src_existing_ << ": " << dst_existing_ << "\n";
    objects_before_ = Objects();
    offsets_before_ = GroupOffsets();
    ASSERT_FALSE(objects_before_.empty());
    ASSERT_EQ(offsets_before_.size(), 2u);
  }

  std::vector<std::string> Objects() {
    std::vector<std::string> keys;
    auto listed = store_->List("");
    EXPECT_TRUE(listed) << listed.error().ToString();
    if (listed)
      for (const auto& o : *listed) keys.push_back(o.key + " " + std::to_string(o.size));
    return keys;
  }

  std::vector<std::string> GroupOffsets() {
    std::vector<std::string> out;
    auto offsets = admin_->ListGroupOffsets(group_);
    EXPECT_TRUE(offsets) << offsets.error().ToString();
    if (offsets)
      for (const auto& o : *offsets) out.push_back(o.topic + ":" + std::to_string(o.partition) + "@" + std::to_string(o.offset));
    return out;
  }

  // Runs `command --dry-run` and checks the plan it printed and that nothing changed anywhere.
  void ExpectPlanAndNoWrites(const std::string& command) {
    std::string log = test::TempDir("dry-run-log") + "/out.txt";
    int code = test::RunCli({command, "--config", config_, "--dry-run", "--format", "json"}, log);
    std::string out = test::ReadTextFile(log);
    ASSERT_EQ(code, 0) << out;
    auto plan = nlohmann::json::parse(out.substr(out.find('{')), nullptr, false);
    ASSERT_FALSE(plan.is_discarded()) << out;
    EXPECT_EQ(plan.value("records", uint64_t{0}), 10u) << out;

    auto exists = admin_->TopicExists(dst_missing_);
    ASSERT_TRUE(exists) << exists.error().ToString();
    EXPECT_FALSE(*exists) << "no topic may be created";
    auto wm = admin_->Watermarks(dst_existing_, 0);
    ASSERT_TRUE(wm) << wm.error().ToString();
    EXPECT_EQ(wm->high, 0) << "no record may be written";
    EXPECT_EQ(GroupOffsets(), offsets_before_) << "no offset may be committed";
    EXPECT_EQ(Objects(), objects_before_) << "no object may be stored";
  }

  std::string src_created_, src_existing_, dst_existing_, dst_missing_, group_, backup_id_, config_;
  StorageConfig storage_;
  std::unique_ptr<ObjectStore> store_;
  std::vector<std::string> objects_before_, offsets_before_;
};

TEST_F(DryRun, RestoreWritesNothing) { ExpectPlanAndNoWrites("restore"); }

TEST_F(DryRun, ThreePhaseRestoreWritesNothing) { ExpectPlanAndNoWrites("three-phase-restore"); }

TEST_F(DryRun, ValidateRestoreWritesNothing) { ExpectPlanAndNoWrites("validate-restore"); }

}  // namespace
}  // namespace kb
