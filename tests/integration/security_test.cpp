// Secure connections against the real broker's SASL_PLAINTEXT listener (scripts/kafka-up.sh --sasl):
// backup, restore and offset snapshots log in with SCRAM and PLAIN, and wrong credentials give a
// login error at once instead of a misleading "could not reach Kafka".
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/filesystem_store.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

class SaslBroker : public test::BrokerTopicsTest {
 protected:
  void SetUp() override {
    test::BrokerTopicsTest::SetUp();
    sasl_bootstrap_ = test::RequireEnv("KB_SASL_BOOTSTRAP");
    user_ = test::RequireEnv("KB_SASL_USERNAME");
    password_ = test::RequireEnv("KB_SASL_PASSWORD");
    dir_ = test::TempDir("sasl");
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    test::BrokerTopicsTest::TearDown();
  }

  // A cluster section that logs in with MECHANISM and PASSWORD.
  std::string Cluster(const std::string& section, const std::string& mechanism, const std::string& password) const {
    return section + ":\n  bootstrap_servers: [" + sasl_bootstrap_ + "]\n  security:\n" +
           "    security_protocol: SASL_PLAINTEXT\n    sasl_mechanism: " + mechanism + "\n    sasl_username: " + user_ +
           "\n    sasl_password: " + password + "\n";
  }

  std::string Write(const std::string& name, const std::string& text) const {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string Storage() const { return "storage:\n  backend: filesystem\n  path: " + dir_ + "/backups\n"; }

  int64_t RecordsIn(const std::string& topic, int32_t partitions) {
    int64_t n = 0;
    for (int32_t p = 0; p < partitions; ++p) {
      auto wm = admin_->Watermarks(topic, p);
      EXPECT_TRUE(wm) << wm.error().ToString();
      if (wm) n += wm->high - wm->low;
    }
    return n;
  }

  std::string sasl_bootstrap_, user_, password_, dir_;
};

std::vector<Record> Numbered(int n) {
  std::vector<Record> out;
  for (int i = 0; i < n; ++i) {
    Record r;
    r.key = "k" + std::to_string(i);
    r.value = "payment " + std::to_string(i);
    r.timestamp = 1700000000000 + i;
    out.push_back(r);
  }
  return out;
}

TEST_F(SaslBroker, BackupWithScramAndRestoreWithPlainMoveEveryRecord) {
  std::string src = NewTopic("sasl-src", 2);
  auto records = Numbered(40);
  test::ProduceRecords(src, 0, {records.begin(), records.begin() + 25});
  test::ProduceRecords(src, 1, {records.begin() + 25, records.end()});
  std::string id = test::UniqueName("sasl-backup");

  std::string backup = Write("backup.yaml", "backup_id: " + id + "\n" + Cluster("source", "SCRAM-SHA-512", password_) +
                                                "  topics: [" + src + "]\n" + Storage());
  std::string log = dir_ + "/backup.log";
  ASSERT_EQ(test::RunCli({"backup", "--config", backup}, log), 0) << test::ReadTextFile(log);
  FilesystemStore store(dir_ + "/backups");
  auto p0 = test::ReadBackup(store, id, src, 0);
  auto p1 = test::ReadBackup(store, id, src, 1);
  ASSERT_EQ(p0.size(), 25u);
  ASSERT_EQ(p1.size(), 15u);
  EXPECT_EQ(p0[0].value.value_or(""), "payment 0");
  EXPECT_EQ(p1.back().value.value_or(""), "payment 39");

  std::string dst = Track(test::UniqueName("sasl-dst"));
  std::string restore = Write("restore.yaml", "backup_id: " + id + "\n" + Cluster("target", "PLAIN", password_) +
                                                  Storage() + "restore:\n  create_topics: true\n  topic_mapping:\n    " +
                                                  src + ": " + dst + "\n");
  log = dir_ + "/restore.log";
  ASSERT_EQ(test::RunCli({"restore", "--config", restore}, log), 0) << test::ReadTextFile(log);
  EXPECT_EQ(RecordsIn(dst, 2), 40);
}

TEST_F(SaslBroker, OffsetSnapshotLogsInWithCliFlags) {
  std::string topic = NewTopic("sasl-offsets", 1);
  test::ProduceRecords(topic, 0, Numbered(10));
  std::string group = test::UniqueName("sasl-group");
  auto committed = admin_->AlterGroupOffsets(group, {{topic, 0, 7, ""}});
  ASSERT_TRUE(committed) << committed.error().ToString();

  std::string path = dir_ + "/snapshots";
  std::string log = dir_ + "/snapshot.log";
  int rc = test::RunCli({"offset-rollback", "snapshot", "--path", path, "--groups", group, "--bootstrap-servers",
                         sasl_bootstrap_, "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "SCRAM-SHA-256",
                         "--sasl-username", user_, "--sasl-password", password_},
                        log);
  std::string out = test::ReadTextFile(log);
  ASSERT_EQ(rc, 0) << out;
  auto at = out.find("Snapshot created: ");
  ASSERT_NE(at, std::string::npos) << out;
  std::string id = out.substr(at + 18, out.find('\n', at) - at - 18);

  log = dir_ + "/show.log";
  ASSERT_EQ(test::RunCli({"offset-rollback", "show", "--path", path, "--snapshot-id", id, "--format", "json"}, log), 0);
  std::string shown = test::ReadTextFile(log);
  EXPECT_NE(shown.find(topic), std::string::npos) << shown;
  EXPECT_NE(shown.find("\"offset\": 7"), std::string::npos) << shown;
}

TEST_F(SaslBroker, WrongPasswordIsALoginErrorAndWritesNoBackup) {
  std::string src = NewTopic("sasl-denied", 1);
  test::ProduceRecords(src, 0, Numbered(3));
  const std::string wrong = "not-the-password-4711";
  std::string id = test::UniqueName("sasl-denied");
  std::string backup = Write("denied.yaml", "backup_id: " + id + "\n" + Cluster("source", "SCRAM-SHA-512", wrong) +
                                                "  topics: [" + src + "]\n" + Storage());
  std::string log = dir_ + "/denied.log";
  int rc = test::RunCli({"backup", "--config", backup}, log);
  std::string out = test::ReadTextFile(log);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("could not log in to Kafka at " + sasl_bootstrap_), std::string::npos) << out;
  EXPECT_NE(out.find("SASL authentication"), std::string::npos) << out;
  EXPECT_EQ(out.find("could not reach Kafka"), std::string::npos) << out;
  EXPECT_EQ(out.find(wrong), std::string::npos) << "the password must never be printed:\n" << out;

  log = dir_ + "/list.log";
  ASSERT_EQ(test::RunCli({"list", "--path", dir_ + "/backups", "--format", "json"}, log), 0);
  EXPECT_EQ(test::ReadTextFile(log).find(id), std::string::npos) << "a refused backup must not be listed";
}

}  // namespace
}  // namespace kb
