// Catalog format 2 against the real broker and MinIO: write-once objects in a bucket with Object
// Lock, a removed commit and a damaged segment detected, and two backup processes on one backup.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "catalog/catalog_reader.h"
#include "format/object_keys.h"
#include "storage/filesystem_store.h"
#include "storage/storage_config.h"
#include "support/backup_fixture.h"
#include "support/minio_admin.h"
#include "support/test_env.h"

namespace kb {
namespace {

using test::ReadBackup;
using test::Shell;
using test::RequireEnv;
using test::UniqueName;

std::vector<Record> Numbered(int from, int to) {
  std::vector<Record> out;
  for (int i = from; i < to; ++i) {
    Record r;
    r.key = "k" + std::to_string(i);
    r.value = "v" + std::to_string(i);
    r.timestamp = 1764000000000 + i;
    out.push_back(std::move(r));
  }
  return out;
}

std::string BackupYaml(const std::string& dir, const std::string& topic, const std::string& storage,
                       const std::string& backup_extra) {
  std::string path = dir + "/backup-" + UniqueName("cfg") + ".yaml";
  std::ofstream(path) << "backup_id: b\nsource:\n  bootstrap_servers: [" << RequireEnv("KB_BOOTSTRAP")
                      << "]\n  topics: [" << topic << "]\nstorage:\n"
                      << storage << "backup:\n  poll_interval_ms: 50\n"
                      << backup_extra;
  return path;
}

// A bucket created with Object Lock (so versioning is on) and a default retention: every object
// written is kept for a day, and each overwrite would leave one more version.
TEST(CatalogV2Minio, BackupIntoAnObjectLockBucketWritesEveryKeyOnce) {
  const std::string bucket = "kb-lock-" + std::to_string(getpid()) + "-" + std::to_string(time(nullptr) % 100000);
  test::CreateObjectLockBucket(bucket, 1);
  auto dir = test::TempDir("objlock");
  std::string topic = UniqueName("objlock");
  test::CreateTopic(topic, 2);
  test::ProduceRecords(topic, 0, Numbered(0, 120));
  test::ProduceRecords(topic, 1, Numbered(0, 80));
  const std::string storage = "  backend: s3\n  bucket: " + bucket + "\n  prefix: lock\n  endpoint: " +
                              RequireEnv("KB_S3_ENDPOINT") + "\n  region: " + RequireEnv("KB_S3_REGION") + "\n";
  const std::map<std::string, std::string> creds{{"AWS_ENDPOINT_URL", RequireEnv("KB_S3_ENDPOINT")},
                                                 {"AWS_ACCESS_KEY_ID", RequireEnv("KB_S3_ACCESS_KEY")},
                                                 {"AWS_SECRET_ACCESS_KEY", RequireEnv("KB_S3_SECRET_KEY")}};
  // Two runs (the second resumes after more records came), 10 records a segment: many commits.
  const std::string cfg = BackupYaml(dir, topic, storage, "  segment_max_records: 10\n");
  ASSERT_EQ(test::RunCli({"backup", "-c", cfg}, dir + "/log", creds), 0) << test::ReadTextFile(dir + "/log");
  test::ProduceRecords(topic, 0, Numbered(120, 150));
  ASSERT_EQ(test::RunCli({"backup", "-c", cfg}, dir + "/log", creds), 0) << test::ReadTextFile(dir + "/log");
  ASSERT_EQ(test::RunCli({"validate", "--path", "s3://" + bucket + "/lock", "--backup-id", "b", "--deep"},
                         dir + "/log", creds),
            0)
      << test::ReadTextFile(dir + "/log");

  // Every key has exactly one version: nothing was overwritten or deleted.
  auto versions = Shell(test::MinioCurl("GET", bucket + "?max-keys=1000&prefix=lock%2F&versions="));
  ASSERT_EQ(versions.first, 0) << versions.second;
  EXPECT_EQ(versions.second.find("<IsTruncated>true"), std::string::npos) << "raise max-keys";
  EXPECT_EQ(versions.second.find("<DeleteMarker>"), std::string::npos) << versions.second;
  std::map<std::string, int> per_key;
  std::regex key_re("<Version>.*?<Key>([^<]+)</Key>");
  std::string body = versions.second;
  for (std::smatch m; std::regex_search(body, m, key_re); body = m.suffix()) per_key[m[1]]++;
  ASSERT_GT(per_key.size(), 40u) << versions.second.substr(0, 2000);
  for (const auto& [key, n] : per_key) {
    // A lease is the one document rewritten by design: taken, then released by an expired version
    // (Object Lock keeps the object), with renewals in between for runs longer than a quarter TTL.
    if (key.find("/leases/") != std::string::npos) EXPECT_EQ(n, 2) << key;
    else EXPECT_EQ(n, 1) << key << " was written " << n << " times";
  }

  StorageConfig sc;
  sc.backend = StorageBackendKind::kS3;
  sc.bucket = bucket;
  sc.prefix = "lock";
  sc.endpoint = RequireEnv("KB_S3_ENDPOINT");
  sc.region = RequireEnv("KB_S3_REGION");
  sc.access_key = RequireEnv("KB_S3_ACCESS_KEY");
  sc.secret_key = RequireEnv("KB_S3_SECRET_KEY");
  auto store = OpenObjectStore(sc);
  ASSERT_TRUE(store) << store.error().ToString();
  EXPECT_EQ(ReadBackup(**store, "b", topic, 0).size(), 150u);
  EXPECT_EQ(ReadBackup(**store, "b", topic, 1).size(), 80u);
}

class CatalogV2Damage : public ::testing::Test {
 protected:
  void SetUp() override {
    topic_ = UniqueName("damage");
    test::CreateTopic(topic_, 1);
    test::ProduceRecords(topic_, 0, Numbered(0, 200));
    dir_ = test::TempDir("damage");
    const std::string cfg = BackupYaml(dir_, topic_, "  backend: filesystem\n  path: " + dir_ + "/store\n",
                                       "  segment_max_records: 10\n  compression: none\n");
    ASSERT_EQ(test::RunCli({"backup", "-c", cfg}, dir_ + "/log"), 0) << test::ReadTextFile(dir_ + "/log");
  }
  int Cli(const std::vector<std::string>& args) { return test::RunCli(args, dir_ + "/out"); }
  std::string Out() { return test::ReadTextFile(dir_ + "/out"); }
  std::string store_path() const { return dir_ + "/store"; }

  std::string topic_, dir_;
};

// On main before catalog format 2, removing a segment's entry from the manifest went unnoticed:
// validate --deep said OK and restore wrote the rest with exit 0.
TEST_F(CatalogV2Damage, ARemovedCommitIsRefusedByValidateDescribeAndRestore) {
  FilesystemStore store(store_path());
  auto commits = store.List(format::CatalogCommitPrefix("b", topic_, 0));
  ASSERT_TRUE(commits);
  ASSERT_EQ(commits->size(), 21u);  // the start of the chain and 20 segments
  // Commits sort newest first: remove one from the middle.
  ASSERT_TRUE(store.Delete((*commits)[10].key));

  EXPECT_NE(Cli({"validate", "--path", store_path(), "--backup-id", "b", "--deep"}), 0);
  EXPECT_NE(Out().find("partition=0"), std::string::npos) << Out();
  EXPECT_NE(Out().find("chain is broken"), std::string::npos) << Out();
  EXPECT_NE(Cli({"describe", "--path", store_path(), "--backup-id", "b"}), 0);
  EXPECT_NE(Out().find("chain is broken"), std::string::npos) << Out();
  EXPECT_NE(Out().find("DATA LOSS"), std::string::npos) << Out();

  const std::string target = topic_ + "-restored";
  std::string cfg = dir_ + "/restore.yaml";
  std::ofstream(cfg) << "backup_id: b\ntarget:\n  bootstrap_servers: [" << RequireEnv("KB_BOOTSTRAP")
                     << "]\nstorage:\n  backend: filesystem\n  path: " << store_path()
                     << "\nrestore:\n  create_topics: true\n  topic_mapping:\n    " << topic_ << ": " << target << "\n";
  EXPECT_NE(Cli({"restore", "-c", cfg}), 0);
  EXPECT_NE(Out().find("chain is broken"), std::string::npos) << Out();
  EXPECT_NE(Out().find("DATA LOSS"), std::string::npos) << Out();
  auto admin = test::Admin();
  auto topics = admin->ListTopics(false);
  ASSERT_TRUE(topics);
  EXPECT_EQ(std::count(topics->begin(), topics->end(), target), 0) << "nothing may be written";
}

TEST_F(CatalogV2Damage, AFlippedBitInASegmentsFileHeaderFailsDeepValidation) {
  FilesystemStore store(store_path());
  auto m = LoadManifest(store, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  const std::string key = m->topics[0].partitions[0].segments[3].key;
  const std::string path = store_path() + "/" + key;
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(6);  // the header's reserved field: only the header check and the whole-object CRC see it
  f.put('\x01');
  f.close();

  EXPECT_EQ(Cli({"validate", "--path", store_path(), "--backup-id", "b"}), 0) << "a shallow check reads no segment";
  EXPECT_EQ(Cli({"validate", "--path", store_path(), "--backup-id", "b", "--deep"}), 3) << Out();
  EXPECT_NE(Out().find(key), std::string::npos) << Out();
  EXPECT_NE(Out().find("whole-object CRC32C"), std::string::npos) << Out();
  EXPECT_NE(Out().find("header"), std::string::npos) << Out();
}

// Two backup processes on one backup: the second fences the first, which stops with a clear
// error; the backup holds every record exactly once.
TEST(CatalogV2Writers, ASecondProcessFencesTheFirstAndNothingIsLostOrDoubled) {
  std::string topic = UniqueName("twowriters");
  test::CreateTopic(topic, 2);
  test::ProduceRecords(topic, 0, Numbered(0, 100));
  test::ProduceRecords(topic, 1, Numbered(0, 100));
  auto dir = test::TempDir("twowriters");
  const std::string cfg =
      BackupYaml(dir, topic, "  backend: filesystem\n  path: " + dir + "/store\n",
                 "  continuous: true\n  segment_max_records: 20\n  segment_max_interval_ms: 200\n");
  pid_t first = test::StartCli({"backup", "-c", cfg}, dir + "/first.log");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  test::ProduceRecords(topic, 0, Numbered(100, 150));
  pid_t second = test::StartCli({"backup", "-c", cfg}, dir + "/second.log");
  test::ProduceRecords(topic, 1, Numbered(100, 180));
  // The first notices the newer run at its next commit (at most a second later) and stops.
  EXPECT_EQ(test::WaitCli(first), 1) << test::ReadTextFile(dir + "/first.log");
  EXPECT_NE(test::ReadTextFile(dir + "/first.log").find("another kafka-backup process"), std::string::npos)
      << test::ReadTextFile(dir + "/first.log");
  test::ProduceRecords(topic, 0, Numbered(150, 200));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  kill(second, SIGTERM);
  ASSERT_EQ(test::WaitCli(second), 0) << test::ReadTextFile(dir + "/second.log");

  FilesystemStore store(dir + "/store");
  for (int p = 0; p < 2; ++p) {
    auto got = ReadBackup(store, "b", topic, p);
    const size_t want = p == 0 ? 200 : 180;
    ASSERT_EQ(got.size(), want) << "partition " << p;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].offset, static_cast<int64_t>(i)) << "partition " << p;
  }
  EXPECT_EQ(test::RunCli({"validate", "--path", dir + "/store", "--backup-id", "b", "--deep"}, dir + "/v.log"), 0)
      << test::ReadTextFile(dir + "/v.log");
}

}  // namespace
}  // namespace kb
