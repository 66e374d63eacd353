// Retention against the real broker and MinIO: a continuous backup that prunes as it goes, a
// prune alongside a restore, a prune killed with SIGKILL, and a bucket with Object Lock.
//
// Each topic holds, per partition, 300 records stamped ten days ago and 100 stamped an hour ago,
// 50 to a segment: with a retention of one day, the six old segments of each partition go.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog_reader.h"
#include "core/time_util.h"
#include "format/object_keys.h"
#include "storage/storage_config.h"
#include "support/backup_fixture.h"
#include "support/minio_admin.h"
#include "support/test_env.h"

namespace kb {
namespace {

using nlohmann::json;
using test::RequireEnv;
using test::UniqueName;

constexpr int64_t kDay = 86400000;
constexpr int kOld = 300, kRecent = 100, kPartitions = 2;

class RetentionMinio : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = NowMs();
    topic_ = UniqueName("retention");
    test::CreateTopic(topic_, kPartitions, {{"retention.ms", "-1"}});
    for (int p = 0; p < kPartitions; ++p) {
      std::vector<Record> records;
      for (int i = 0; i < kOld + kRecent; ++i) {
        Record r;
        r.key = "k" + std::to_string(i);
        r.value = "p" + std::to_string(p) + "-v" + std::to_string(i);
        r.timestamp = i < kOld ? now_ - 10 * kDay + i : now_ - 3600000 + i;
        records.push_back(std::move(r));
      }
      test::ProduceRecords(topic_, p, records);
      produced_[p] = std::move(records);
    }
    dir_ = test::TempDir("retention");
    storage_ = test::MinioStorage(UniqueName("retention"));
  }

  // The CLI, with the MinIO credentials a --path needs in its environment.
  std::map<std::string, std::string> Creds() const {
    return {{"AWS_ENDPOINT_URL", storage_.endpoint},
            {"AWS_ACCESS_KEY_ID", storage_.access_key},
            {"AWS_SECRET_ACCESS_KEY", storage_.secret_key}};
  }
  int Cli(const std::vector<std::string>& args, const std::string& log) { return test::RunCli(args, log, Creds()); }
  pid_t StartCli(const std::vector<std::string>& args, const std::string& log) {
    return test::StartCli(args, log, Creds());
  }

  std::string Path() const { return "s3://" + storage_.bucket + "/" + storage_.prefix; }
  std::string Log(const std::string& name) const { return dir_ + "/" + name + ".log"; }
  std::string Read(const std::string& name) const { return test::ReadTextFile(Log(name)); }

  std::string BackupConfig(const std::string& extra, int records_per_segment = 50) {
    const std::string path = dir_ + "/backup-" + UniqueName("cfg") + ".yaml";
    std::ofstream(path) << "backup_id: b\nsource:\n  bootstrap_servers: [" << RequireEnv("KB_BOOTSTRAP")
                        << "]\n  topics: [" << topic_ << "]\n"
                        << test::StorageYaml(storage_)
                        << "backup:\n  poll_interval_ms: 50\n  segment_max_records: " << records_per_segment
                        << "\n  compression: lz4\n"
                        << extra;
    return path;
  }

  // The arguments of a restore into a new topic, target_.
  std::vector<std::string> RestoreArgs(const std::vector<std::string>& flags, const std::string& extra = "") {
    target_ = UniqueName("restored");
    const std::string path = dir_ + "/restore-" + UniqueName("cfg") + ".yaml";
    std::ofstream(path) << "backup_id: b\ntarget:\n  bootstrap_servers: [" << RequireEnv("KB_BOOTSTRAP") << "]\n"
                        << test::StorageYaml(storage_) << "restore:\n  create_topics: true\n  topic_mapping:\n    "
                        << topic_ << ": " << target_ << "\n"
                        << extra;
    std::vector<std::string> args{"restore", "-c", path};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }
  int Restore(const std::string& log, const std::vector<std::string>& flags) {
    return Cli(RestoreArgs(flags), Log(log));
  }

  // The restored topic holds exactly the produced records from index `from` on, in order.
  void ExpectRestored(int from) {
    auto got = test::ReadTopic(target_);
    for (int p = 0; p < kPartitions; ++p) {
      const auto& want = produced_[p];
      ASSERT_EQ(got[p].size(), want.size() - static_cast<size_t>(from)) << "partition " << p;
      for (size_t i = 0; i < got[p].size(); ++i) {
        ASSERT_EQ(got[p][i].value, want[from + i].value) << "partition " << p << " record " << i;
        ASSERT_EQ(got[p][i].timestamp, want[from + i].timestamp);
      }
    }
  }

  json RunJson(const std::vector<std::string>& args, int* rc, const std::string& log) {
    std::remove(Log(log).c_str());  // the CLI appends to its log
    *rc = Cli(args, Log(log));
    const std::string out = Read(log);
    return out.find('{') == std::string::npos ? json(json::value_t::discarded)
                                              : json::parse(out.substr(out.find('{')), nullptr, false);
  }

  json Describe() {
    int rc = 0;
    json d = RunJson({"describe", "--path", Path(), "--backup-id", "b", "--format", "json", "-q"}, &rc, "describe");
    EXPECT_EQ(rc, 0) << Read("describe");
    return d;
  }

  // Each partition's earliest restorable time, or 0 where nothing was pruned.
  std::vector<int64_t> EarliestRestorable() {
    std::vector<int64_t> out;
    json d = Describe();
    if (d.is_discarded() || !d.contains("topics")) return out;
    for (const auto& p : d["topics"][0]["partitions"])
      out.push_back(p["earliest_restorable"].is_null() ? 0 : *ParseTimestampMs(p["earliest_restorable"].get<std::string>()));
    return out;
  }

  size_t SegmentObjects() {
    auto store = OpenObjectStore(storage_);
    EXPECT_TRUE(store);
    size_t n = 0;
    for (int p = 0; p < kPartitions; ++p) n += (*store)->List(format::SegmentPrefix("b", topic_, p))->size();
    return n;
  }

  int64_t now_ = 0;
  std::string topic_, target_, dir_;
  std::map<int, std::vector<Record>> produced_;
  StorageConfig storage_;
};

// Kills a child a failed assertion left running, so it does not outlive the test.
struct KillOnExit {
  pid_t pid = 0;
  ~KillOnExit() {
    if (pid > 0 && kill(pid, SIGKILL) == 0) test::WaitCli(pid);
  }
};

TEST_F(RetentionMinio, AContinuousBackupPrunesAsItGoesAndRestoresFromTheHorizonOnly) {
  pid_t backup = StartCli(
      {"backup", "-c",
       BackupConfig("  continuous: true\n  segment_max_interval_ms: 500\n  retention:\n    keep_within: 1d\n"
                    "    interval: 1s\n")},
      Log("backup"));
  KillOnExit guard{backup};
  std::vector<int64_t> earliest;
  for (int i = 0; i < 120; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    earliest = EarliestRestorable();
    if (earliest.size() == kPartitions && earliest[0] > 0 && earliest[1] > 0) break;
  }
  ASSERT_EQ(earliest.size(), static_cast<size_t>(kPartitions)) << Read("backup");
  // Every record newer than the newest pruned one is kept.
  for (int64_t e : earliest) EXPECT_EQ(e, now_ - 10 * kDay + kOld) << Read("backup");

  // A backup is running: status shows it, and delete refuses.
  int rc = 0;
  json status = RunJson({"status", "--path", Path(), "--format", "json", "-q"}, &rc, "status");
  ASSERT_EQ(rc, 0) << Read("status");
  ASSERT_EQ(status["backups"][0]["running"].size(), 1u) << status.dump(2);
  EXPECT_EQ(status["backups"][0]["running"][0]["kind"], "backup") << status.dump(2);
  EXPECT_EQ(Cli({"delete", "--path", Path(), "--backup-id", "b"}, Log("delete-refused")), 1);
  EXPECT_NE(Read("delete-refused").find("backup lease"), std::string::npos) << Read("delete-refused");
  kill(backup, SIGTERM);
  guard.pid = 0;
  ASSERT_EQ(test::WaitCli(backup), 0) << Read("backup");
  EXPECT_EQ(SegmentObjects(), static_cast<size_t>(kPartitions * kRecent / 50));

  // At the horizon: the recent records, exactly.
  const std::string horizon = FormatTimestampMs(now_ - kDay);
  ASSERT_EQ(Restore("at-horizon", {"--time-window-start", horizon}), 0) << Read("at-horizon");
  ExpectRestored(kOld);
  // Before what was kept: refused, naming the earliest restorable time.
  EXPECT_EQ(Restore("before", {"--time-window-start", FormatTimestampMs(now_ - 20 * kDay)}), 2) << Read("before");
  EXPECT_NE(Read("before").find(FormatTimestampMs(earliest[0])), std::string::npos) << Read("before");
  EXPECT_EQ(Cli({"validate", "--path", Path(), "--backup-id", "b", "--deep"}, Log("validate")), 0)
      << Read("validate");

  // Stopped, the backup can be deleted: nothing is left of it.
  ASSERT_EQ(Cli({"delete", "--path", Path(), "--backup-id", "b"}, Log("delete")), 0) << Read("delete");
  auto store = OpenObjectStore(storage_);
  ASSERT_TRUE(store);
  EXPECT_TRUE((*store)->List("b/")->empty());
  EXPECT_NE(Cli({"describe", "--path", Path(), "--backup-id", "b"}, Log("gone")), 0);
}

TEST_F(RetentionMinio, APruneAlongsideARestoreLosesNothingTheRestoreNeeds) {
  ASSERT_EQ(Cli({"backup", "-c", BackupConfig("")}, Log("backup")), 0) << Read("backup");
  // A restore of everything, slowed down so the prune runs while it reads.
  pid_t restore = StartCli(RestoreArgs({}, "  rate_limit_records_per_sec: 200\n"), Log("restore"));
  KillOnExit guard{restore};
  auto store = OpenObjectStore(storage_);
  ASSERT_TRUE(store);
  for (int i = 0; i < 100 && (*store)->List(format::LeasePrefix("b"))->empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  int rc = 0;
  json during = RunJson({"prune", "--path", Path(), "--backup-id", "b", "--keep-within", "1d", "--format", "json", "-q"},
                        &rc, "prune-during");
  EXPECT_EQ(rc, 0) << Read("prune-during");
  ASSERT_FALSE(during.is_discarded()) << Read("prune-during");
  EXPECT_EQ(during["deferred_by"].size(), 1u) << during.dump(2);
  EXPECT_EQ(during["objects_removed"], 0) << during.dump(2);
  guard.pid = 0;
  ASSERT_EQ(test::WaitCli(restore), 0) << Read("restore");
  ExpectRestored(0);  // every record, old ones included

  json after = RunJson({"prune", "--path", Path(), "--backup-id", "b", "--keep-within", "1d", "--format", "json", "-q"},
                       &rc, "prune-after");
  EXPECT_EQ(rc, 0) << Read("prune-after");
  EXPECT_EQ(after["segments_removed"], kPartitions * kOld / 50) << after.dump(2);
  EXPECT_TRUE(after["deferred_by"].empty());
}

TEST_F(RetentionMinio, APruneKilledAtAnyPointLeavesARestorableBackupAndTheNextOneFinishes) {
  ASSERT_EQ(Cli({"backup", "-c", BackupConfig("", 5)}, Log("backup")), 0)
      << Read("backup");
  const std::vector<std::string> prune{"prune", "--path", Path(), "--backup-id", "b", "--keep-within", "1d"};
  for (int delay_ms : {30, 120, 250, 500}) {
    pid_t pid = StartCli(prune, Log("killed"));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    test::WaitCli(pid);
    ASSERT_EQ(Cli({"validate", "--path", Path(), "--backup-id", "b", "--deep"}, Log("validate")), 0)
        << "after a kill at " << delay_ms << " ms: " << Read("validate");
    // Where the kill landed: segment objects left (160 before any prune, 40 after a whole one).
    RecordProperty("segments_after_kill_at_" + std::to_string(delay_ms) + "ms", static_cast<int>(SegmentObjects()));
  }
  ASSERT_EQ(Cli(prune, Log("prune")), 0) << Read("prune");
  EXPECT_EQ(SegmentObjects(), static_cast<size_t>(kPartitions * kRecent / 5));
  ASSERT_EQ(Restore("restore", {"--time-window-start", FormatTimestampMs(now_ - kDay)}), 0) << Read("restore");
  ExpectRestored(kOld);
}

TEST_F(RetentionMinio, ObjectLockKeepsObjectsUntilTheirDateAndTheCatalogStaysConsistent) {
  storage_.bucket = "kb-lock-" + std::to_string(getpid()) + "-" + std::to_string(time(nullptr) % 100000);
  test::CreateObjectLockBucket(storage_.bucket, 1);
  ASSERT_EQ(Cli({"backup", "-c", BackupConfig("")}, Log("backup")), 0) << Read("backup");
  int rc = 0;
  json r = RunJson({"prune", "--path", Path(), "--backup-id", "b", "--keep-within", "1d", "--format", "json", "-q"},
                   &rc, "prune");
  ASSERT_EQ(rc, 0) << Read("prune");
  EXPECT_EQ(r["segments_removed"], 0) << r.dump(2);
  ASSERT_GE(r["kept_under_retention"].size(), static_cast<size_t>(kPartitions * kOld / 50)) << r.dump(2);
  for (const auto& k : r["kept_under_retention"]) {
    auto until = ParseTimestampMs(k["kept_until"].get<std::string>());
    ASSERT_TRUE(until);
    EXPECT_GT(*until, now_ + kDay - 3600000) << k.dump();
  }
  for (const auto& p : r["partitions"]) EXPECT_FALSE(p["earliest_restorable"].is_null()) << r.dump(2);
  EXPECT_EQ(Cli({"validate", "--path", Path(), "--backup-id", "b", "--deep"}, Log("validate")), 0)
      << Read("validate");
  ASSERT_EQ(Restore("at-horizon", {"--time-window-start", FormatTimestampMs(now_ - kDay)}), 0) << Read("at-horizon");
  ExpectRestored(kOld);
  EXPECT_EQ(Restore("before", {"--time-window-start", FormatTimestampMs(now_ - 20 * kDay)}), 2) << Read("before");
  // Delete cannot remove locked objects: it says so, and the backup stays readable.
  EXPECT_EQ(Cli({"delete", "--path", Path(), "--backup-id", "b"}, Log("delete")), 3) << Read("delete");
  EXPECT_NE(Read("delete").find("Object Lock"), std::string::npos) << Read("delete");
  EXPECT_EQ(Cli({"validate", "--path", Path(), "--backup-id", "b"}, Log("validate2")), 0) << Read("validate2");
}

// On a versioned bucket a plain DELETE only hides an object behind a delete marker: prune and
// delete remove the versions themselves, so storage is freed and nothing is left behind.
TEST_F(RetentionMinio, OnAVersionedBucketPruneAndDeleteLeaveNoVersionBehind) {
  storage_.bucket = "kb-versioned-" + std::to_string(getpid()) + "-" + std::to_string(time(nullptr) % 100000);
  test::CreateVersionedBucket(storage_.bucket);
  ASSERT_EQ(Cli({"backup", "-c", BackupConfig("")}, Log("backup")), 0) << Read("backup");
  const std::string segments = storage_.prefix + "%2Fb%2Ftopics%2F";
  const int before = test::CountVersions(storage_.bucket, segments).versions;
  EXPECT_EQ(before, kPartitions * (kOld + kRecent) / 50);
  ASSERT_EQ(Cli({"prune", "--path", Path(), "--backup-id", "b", "--keep-within", "1d"}, Log("prune")), 0)
      << Read("prune");
  auto after_prune = test::CountVersions(storage_.bucket, segments);
  EXPECT_EQ(after_prune.versions, kPartitions * kRecent / 50);
  EXPECT_EQ(after_prune.delete_markers, 0);
  ASSERT_EQ(Cli({"delete", "--path", Path(), "--backup-id", "b"}, Log("delete")), 0) << Read("delete");
  auto after_delete = test::CountVersions(storage_.bucket, storage_.prefix + "%2F");
  EXPECT_EQ(after_delete.versions, 0);
  EXPECT_EQ(after_delete.delete_markers, 0);
}

// A typo in --path must not look like an empty location (list used to exit 0 there).
TEST(CliPaths, CommandsThatReadRefuseADirectoryThatDoesNotExist) {
  const std::string dir = test::TempDir("nopath");
  const std::string missing = dir + "/no-such-dir";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"list", "--path", missing},
        std::vector<std::string>{"describe", "--path", missing, "--backup-id", "b"},
        std::vector<std::string>{"prune", "--path", missing, "--backup-id", "b", "--keep-within", "7d"},
        std::vector<std::string>{"delete", "--path", missing, "--backup-id", "b"}}) {
    std::remove((dir + "/log").c_str());
    EXPECT_EQ(test::RunCli(args, dir + "/log"), 1) << args[0];
    EXPECT_NE(test::ReadTextFile(dir + "/log").find("does not exist"), std::string::npos)
        << args[0] << ": " << test::ReadTextFile(dir + "/log");
  }
  EXPECT_FALSE(std::filesystem::exists(missing)) << "nothing was created";
}

}  // namespace
}  // namespace kb
