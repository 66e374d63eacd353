// Secure connections against the real broker's SASL_PLAINTEXT listener (scripts/kafka-up.sh --sasl)
// and its mutual-TLS SSL listener (--tls): backup, restore and offset snapshots log in with SCRAM,
// PLAIN and client certificates, and wrong credentials or certificates give a login error at once
// instead of a misleading "could not reach Kafka".
#include <chrono>
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
  auto started = std::chrono::steady_clock::now();
  int rc = test::RunCli({"backup", "--config", backup}, log);
  auto took = std::chrono::steady_clock::now() - started;
  std::string out = test::ReadTextFile(log);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_LT(took, std::chrono::seconds(8)) << "a refused login must not wait out the 10 s metadata timeout";
  EXPECT_NE(out.find("could not log in to Kafka at " + sasl_bootstrap_), std::string::npos) << out;
  EXPECT_NE(out.find("SASL authentication"), std::string::npos) << out;
  EXPECT_EQ(out.find("could not reach Kafka"), std::string::npos) << out;
  EXPECT_EQ(out.find(wrong), std::string::npos) << "the password must never be printed:\n" << out;

  // Nothing was written: not even the backup's directory (so list has no location to read).
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/backups/" + id)) << "a refused backup must write nothing";
  log = dir_ + "/list.log";
  EXPECT_EQ(test::RunCli({"list", "--path", dir_ + "/backups", "--format", "json"}, log),
            std::filesystem::exists(dir_ + "/backups") ? 0 : 1);
  EXPECT_EQ(test::ReadTextFile(log).find(id), std::string::npos) << "a refused backup must not be listed";
}

class TlsBroker : public test::BrokerTopicsTest {
 protected:
  void SetUp() override {
    test::BrokerTopicsTest::SetUp();
    tls_bootstrap_ = test::RequireEnv("KB_TLS_BOOTSTRAP");
    ca_ = test::RequireEnv("KB_TLS_CA");
    cert_ = test::RequireEnv("KB_TLS_CERT");
    key_ = test::RequireEnv("KB_TLS_KEY");
    dir_ = test::TempDir("tls");
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    test::BrokerTopicsTest::TearDown();
  }

  // A cluster section over SSL; an empty CERT leaves out the client certificate and key.
  std::string Cluster(const std::string& section, const std::string& ca, const std::string& cert) const {
    std::string out = section + ":\n  bootstrap_servers: [" + tls_bootstrap_ + "]\n  security:\n" +
                      "    security_protocol: SSL\n    ssl_ca_location: " + ca + "\n";
    if (!cert.empty()) out += "    ssl_certificate_location: " + cert + "\n    ssl_key_location: " + key_ + "\n";
    return out;
  }

  // Runs a one-shot backup of TOPIC over SSL; returns the exit status and the output.
  std::pair<int, std::string> Backup(const std::string& id, const std::string& topic, const std::string& ca,
                                     const std::string& cert) {
    std::string config = dir_ + "/" + id + ".yaml";
    std::ofstream(config) << "backup_id: " << id << "\n"
                          << Cluster("source", ca, cert) << "  topics: [" << topic << "]\n"
                          << "storage:\n  backend: filesystem\n  path: " << dir_ << "/backups\n";
    std::string log = dir_ + "/" + id + ".log";
    int rc = test::RunCli({"backup", "--config", config}, log);
    return {rc, test::ReadTextFile(log)};
  }

  std::string tls_bootstrap_, ca_, cert_, key_, dir_;
};

TEST_F(TlsBroker, BackupAndRestoreOverMutualTls) {
  std::string src = NewTopic("tls-src", 1);
  test::ProduceRecords(src, 0, Numbered(30));
  std::string id = test::UniqueName("tls-backup");
  auto [rc, out] = Backup(id, src, ca_, cert_);
  ASSERT_EQ(rc, 0) << out;
  FilesystemStore store(dir_ + "/backups");
  auto got = test::ReadBackup(store, id, src, 0);
  ASSERT_EQ(got.size(), 30u);
  EXPECT_EQ(got[29].value.value_or(""), "payment 29");

  std::string dst = Track(test::UniqueName("tls-dst"));
  std::string config = dir_ + "/restore.yaml";
  std::ofstream(config) << "backup_id: " << id << "\n"
                        << Cluster("target", ca_, cert_) << "storage:\n  backend: filesystem\n  path: " << dir_
                        << "/backups\nrestore:\n  create_topics: true\n  topic_mapping:\n    " << src << ": " << dst
                        << "\n";
  std::string log = dir_ + "/restore.log";
  ASSERT_EQ(test::RunCli({"restore", "--config", config}, log), 0) << test::ReadTextFile(log);
  auto wm = admin_->Watermarks(dst, 0);
  ASSERT_TRUE(wm) << wm.error().ToString();
  EXPECT_EQ(wm->high - wm->low, 30);
}

TEST_F(TlsBroker, NoClientCertificateIsALoginError) {
  std::string src = NewTopic("tls-nocert", 1);
  auto [rc, out] = Backup(test::UniqueName("tls-nocert"), src, ca_, "");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("could not log in to Kafka at " + tls_bootstrap_), std::string::npos) << out;
  EXPECT_NE(out.find("SSL"), std::string::npos) << out;
}

TEST_F(TlsBroker, UntrustedBrokerCertificateIsALoginError) {
  std::string src = NewTopic("tls-untrusted", 1);
  // The client certificate is not the CA that signed the broker's: verification must fail.
  auto [rc, out] = Backup(test::UniqueName("tls-untrusted"), src, cert_, cert_);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("could not log in to Kafka at " + tls_bootstrap_), std::string::npos) << out;
  EXPECT_NE(out.find("certificate verify failed"), std::string::npos) << out;
}

}  // namespace
}  // namespace kb
