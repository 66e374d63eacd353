// offset-rollback through the kafka-backup binary against the real broker and MinIO
// (--path s3://...): snapshot -> list (id in the first column, newest first) -> offsets change
// -> verify exits 3 -> rollback --verify true puts them back exactly; rollback is refused while
// a live consumer is in the group, and attempted with --force.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kafka/admin_client.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> S3Env() {
  return {{"S3_ENDPOINT", test::RequireEnv("KB_S3_ENDPOINT")},
          {"AWS_ACCESS_KEY_ID", test::RequireEnv("KB_S3_ACCESS_KEY")},
          {"AWS_SECRET_ACCESS_KEY", test::RequireEnv("KB_S3_SECRET_KEY")},
          {"AWS_REGION", test::EnvValue("KB_S3_REGION").empty() ? "us-east-1" : test::EnvValue("KB_S3_REGION")}};
}

// Runs the binary; returns exit status and combined output.
std::pair<int, std::string> Cli(const std::vector<std::string>& args) {
  std::string log = test::TempDir("offsets-cli") + "/out.log";
  int rc = test::RunCli(args, log, S3Env());
  return {rc, test::ReadTextFile(log)};
}

// The seed's pipeline, word for word, through bash.
std::string FirstListedId(const std::string& path) {
  std::string cmd;
  for (const auto& [k, v] : S3Env()) cmd += k + "='" + v + "' ";
  cmd += std::string("'") + KB_BINARY + "' offset-rollback list --path " + path +
         " 2>/dev/null | grep snapshot- | head -1 | awk '{print $1}'";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[256];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string IdFromCreated(const std::string& out) {
  auto at = out.find("Snapshot created: ");
  if (at == std::string::npos) return "";
  auto start = at + std::string("Snapshot created: ").size();
  return out.substr(start, out.find('\n', start) - start);
}

// A real, active group member: a librdkafka high-level consumer subscribed to the topic.
class LiveMember {
 public:
  LiveMember(const std::string& bootstrap, const std::string& group, const std::string& topic) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk_) return;
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    running_ = true;
    poller_ = std::thread([this] {
      while (running_) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
        if (m) rd_kafka_message_destroy(m);
      }
    });
  }
  ~LiveMember() {
    running_ = false;
    if (poller_.joinable()) poller_.join();
    if (rk_) {
      rd_kafka_consumer_close(rk_);
      rd_kafka_destroy(rk_);
    }
  }
  bool ok() const { return rk_ != nullptr; }

 private:
  rd_kafka_t* rk_ = nullptr;
  std::atomic<bool> running_{false};
  std::thread poller_;
};

class OffsetsRollbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bootstrap_ = test::RequireEnv("KB_BOOTSTRAP");
    std::string bucket = test::EnvValue("KB_S3_BACKUP_BUCKET").empty() ? test::RequireEnv("KB_S3_BUCKET")
                                                                         : test::EnvValue("KB_S3_BACKUP_BUCKET");
    path_ = "s3://" + bucket + "/" + test::UniqueName("offsets-rollback");
    admin_ = test::Admin();
    topic_ = test::UniqueName("offsets-rb");
    test::CreateTopic(topic_, 3);
    group_ = test::UniqueName("offsets-rb-group");
  }
  void TearDown() override {
    (void)admin_->DeleteConsumerGroup(group_);
    (void)admin_->DeleteTopic(topic_);
  }
  void Commit(const std::vector<kafka::GroupOffset>& offsets) {
    auto r = admin_->AlterGroupOffsets(group_, offsets);
    ASSERT_TRUE(r) << r.error().ToString();
    for (const auto& o : *r) ASSERT_FALSE(o.error) << o.error->ToString();
  }
  std::map<int32_t, int64_t> Committed() {
    std::map<int32_t, int64_t> out;
    auto r = admin_->ListGroupOffsets(group_);
    EXPECT_TRUE(r) << r.error().ToString();
    if (r)
      for (const auto& o : *r) out[o.partition] = o.offset;
    return out;
  }
  std::string bootstrap_, path_, topic_, group_;
  std::unique_ptr<kafka::AdminClient> admin_;
};

TEST_F(OffsetsRollbackTest, SnapshotListVerifyAndRollbackRestoreOffsetsExactlyOnS3) {
  Commit({{topic_, 0, 5, ""}, {topic_, 1, 7, ""}, {topic_, 2, 9, ""}});
  auto [rc, out] = Cli({"offset-rollback", "snapshot", "--path", path_, "--groups", group_, "--bootstrap-servers",
                        bootstrap_, "--description", "Pre-incident safety checkpoint"});
  ASSERT_EQ(rc, 0) << out;
  std::string id = IdFromCreated(out);
  ASSERT_EQ(id.rfind("snapshot-", 0), 0u) << out;
  EXPECT_EQ(FirstListedId(path_), id);

  auto [src, show] = Cli({"offset-rollback", "show", "--path", path_, "--snapshot-id", id, "--format", "json"});
  ASSERT_EQ(src, 0) << show;
  EXPECT_NE(show.find("Pre-incident safety checkpoint"), std::string::npos) << show;

  auto [vrc, vout] = Cli({"offset-rollback", "verify", "--path", path_, "--snapshot-id", id, "--bootstrap-servers", bootstrap_});
  EXPECT_EQ(vrc, 0) << vout;

  // The incident: the group moves on, one partition goes back, one is committed fresh.
  Commit({{topic_, 0, 50, ""}, {topic_, 1, 1, ""}});
  auto [mrc, mout] = Cli({"offset-rollback", "verify", "--path", path_, "--snapshot-id", id, "--bootstrap-servers", bootstrap_});
  EXPECT_EQ(mrc, 3) << mout;
  EXPECT_NE(mout.find("MISMATCH: 2 of 3"), std::string::npos) << mout;

  auto [rrc, rout] = Cli({"offset-rollback", "rollback", "--path", path_, "--snapshot-id", id, "--bootstrap-servers",
                          bootstrap_, "--verify", "true"});
  ASSERT_EQ(rrc, 0) << rout;
  EXPECT_EQ(Committed(), (std::map<int32_t, int64_t>{{0, 5}, {1, 7}, {2, 9}}));
  auto [v2, v2out] = Cli({"offset-rollback", "verify", "--path", path_, "--snapshot-id", id, "--bootstrap-servers", bootstrap_});
  EXPECT_EQ(v2, 0) << v2out;

  // A newer snapshot is listed first; delete removes it and the older one is first again.
  std::this_thread::sleep_for(5ms);
  auto [rc2, out2] = Cli({"offset-rollback", "snapshot", "--path", path_, "--groups", group_, "--bootstrap-servers", bootstrap_});
  ASSERT_EQ(rc2, 0) << out2;
  std::string id2 = IdFromCreated(out2);
  EXPECT_NE(id2, id);
  EXPECT_EQ(FirstListedId(path_), id2);
  auto [drc, dout] = Cli({"offset-rollback", "delete", "--path", path_, "--snapshot-id", id2});
  EXPECT_EQ(drc, 0) << dout;
  EXPECT_EQ(FirstListedId(path_), id);
  auto [d2, d2out] = Cli({"offset-rollback", "delete", "--path", path_, "--snapshot-id", id2});
  EXPECT_NE(d2, 0) << "deleting a missing snapshot must fail: " << d2out;
}

TEST_F(OffsetsRollbackTest, RollbackDeleteExtraRemovesPartitionsTheSnapshotLacks) {
  Commit({{topic_, 0, 4, ""}});
  auto [rc, out] = Cli({"offset-rollback", "snapshot", "--path", path_, "--groups", group_, "--bootstrap-servers", bootstrap_});
  ASSERT_EQ(rc, 0) << out;
  std::string id = IdFromCreated(out);
  Commit({{topic_, 0, 40, ""}, {topic_, 2, 12, ""}});
  auto [rrc, rout] = Cli({"offset-rollback", "rollback", "--path", path_, "--snapshot-id", id, "--bootstrap-servers",
                          bootstrap_, "--verify", "true", "--delete-extra"});
  ASSERT_EQ(rrc, 0) << rout;
  EXPECT_EQ(Committed(), (std::map<int32_t, int64_t>{{0, 4}}));
}

TEST_F(OffsetsRollbackTest, RollbackIsRefusedWhileAConsumerIsActiveUnlessForced) {
  Commit({{topic_, 0, 3, ""}, {topic_, 1, 3, ""}, {topic_, 2, 3, ""}});
  auto [rc, out] = Cli({"offset-rollback", "snapshot", "--path", path_, "--groups", group_, "--bootstrap-servers", bootstrap_});
  ASSERT_EQ(rc, 0) << out;
  std::string id = IdFromCreated(out);
  Commit({{topic_, 0, 8, ""}});
  {
    LiveMember member(bootstrap_, group_, topic_);
    ASSERT_TRUE(member.ok());
    // Wait until the broker counts it as a member.
    bool active = false;
    for (int i = 0; i < 60 && !active; ++i) {
      auto d = admin_->DescribeConsumerGroup(group_);
      active = d && !d->members.empty();
      if (!active) std::this_thread::sleep_for(500ms);
    }
    ASSERT_TRUE(active) << "the live consumer never joined group " << group_;

    auto [r1, o1] = Cli({"offset-rollback", "rollback", "--path", path_, "--snapshot-id", id, "--bootstrap-servers",
                         bootstrap_, "--verify", "true"});
    EXPECT_EQ(r1, 1) << o1;
    EXPECT_NE(o1.find("REFUSED"), std::string::npos) << o1;
    EXPECT_NE(o1.find("active member"), std::string::npos) << o1;
    EXPECT_EQ(Committed()[0], 8) << "a refused rollback must change nothing";

    // --force goes past the tool's check: the broker itself decides, per partition, and the
    // run reports what it refused (never success while offsets did not change).
    auto [r2, o2] = Cli({"offset-rollback", "rollback", "--path", path_, "--snapshot-id", id, "--bootstrap-servers",
                         bootstrap_, "--verify", "true", "--force"});
    EXPECT_EQ(o2.find("REFUSED"), std::string::npos) << o2;
    if (Committed()[0] == 3) EXPECT_EQ(r2, 0) << o2;
    else EXPECT_EQ(r2, 3) << o2;
  }
  // Once the consumer is gone, the rollback goes through.
  bool empty = false;
  for (int i = 0; i < 60 && !empty; ++i) {
    auto d = admin_->DescribeConsumerGroup(group_);
    empty = d && d->members.empty();
    if (!empty) std::this_thread::sleep_for(500ms);
  }
  auto [r3, o3] = Cli({"offset-rollback", "rollback", "--path", path_, "--snapshot-id", id, "--bootstrap-servers",
                       bootstrap_, "--verify", "true"});
  EXPECT_EQ(r3, 0) << o3;
  EXPECT_EQ(Committed(), (std::map<int32_t, int64_t>{{0, 3}, {1, 3}, {2, 3}}));
}

TEST_F(OffsetsRollbackTest, ShowOfAMissingSnapshotFailsNamingIt) {
  auto [rc, out] = Cli({"offset-rollback", "show", "--path", path_, "--snapshot-id", "snapshot-20200101T000000000Z-abcdef"});
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("snapshot-20200101T000000000Z-abcdef not found"), std::string::npos) << out;
}

}  // namespace
}  // namespace kb
