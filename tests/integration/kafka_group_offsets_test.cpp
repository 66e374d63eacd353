// Consumer-group admin calls against the real broker: commit offsets for a group with no
// members, read them back, describe and list the group, delete offsets, and see a group with
// an active member (a kcat balanced consumer) refuse commits partition by partition.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kafka/admin_client.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

extern char** environ;

namespace kb::kafka {
namespace {

using namespace std::chrono_literals;

class KafkaGroupOffsetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto admin = AdminClient::Create(test::BrokerClientConfig());
    ASSERT_TRUE(admin) << admin.error().ToString();
    admin_ = std::move(*admin);
    topic_ = test::UniqueName("kafka-groups");
    auto st = admin_->CreateTopic(topic_, 2, 1);
    ASSERT_TRUE(st) << st.error().ToString();
  }
  void TearDown() override {
    if (!group_.empty()) (void)admin_->DeleteConsumerGroup(group_);
    (void)admin_->DeleteTopic(topic_);
  }
  std::unique_ptr<AdminClient> admin_;
  std::string topic_;
  std::string group_;
};

TEST_F(KafkaGroupOffsetsTest, OffsetsCommittedForAnEmptyGroupAreReadBack) {
  group_ = test::UniqueName("kafka-group");
  auto outcomes = admin_->AlterGroupOffsets(group_, {{topic_, 0, 3, "restored"}, {topic_, 1, 5, ""}});
  ASSERT_TRUE(outcomes) << outcomes.error().ToString();
  ASSERT_EQ(outcomes->size(), 2u);
  for (const auto& o : *outcomes) EXPECT_FALSE(o.error) << o.error->ToString();
  EXPECT_EQ((*outcomes)[0].partition, 0);
  EXPECT_EQ((*outcomes)[0].offset, 3);
  EXPECT_EQ((*outcomes)[1].offset, 5);

  auto offsets = admin_->ListGroupOffsets(group_);
  ASSERT_TRUE(offsets) << offsets.error().ToString();
  ASSERT_EQ(offsets->size(), 2u);
  EXPECT_EQ((*offsets)[0].topic, topic_);
  EXPECT_EQ((*offsets)[0].partition, 0);
  EXPECT_EQ((*offsets)[0].offset, 3);
  EXPECT_EQ((*offsets)[0].metadata, "restored");
  EXPECT_EQ((*offsets)[1].partition, 1);
  EXPECT_EQ((*offsets)[1].offset, 5);

  auto desc = admin_->DescribeConsumerGroup(group_);
  ASSERT_TRUE(desc) << desc.error().ToString();
  EXPECT_EQ(desc->group_id, group_);
  EXPECT_EQ(desc->state, GroupState::kEmpty) << GroupStateName(desc->state);
  EXPECT_TRUE(desc->members.empty());
  auto md = admin_->Metadata();
  ASSERT_TRUE(md);
  EXPECT_TRUE(std::any_of(md->brokers.begin(), md->brokers.end(),
                          [&](const BrokerInfo& b) { return b.id == desc->coordinator_id; }))
      << "coordinator " << desc->coordinator_id << " is not a known broker";

  auto groups = admin_->ListConsumerGroups();
  ASSERT_TRUE(groups) << groups.error().ToString();
  auto it = std::find_if(groups->begin(), groups->end(), [&](const GroupListing& g) { return g.group_id == group_; });
  ASSERT_NE(it, groups->end());
  EXPECT_EQ(it->state, GroupState::kEmpty);

  auto deleted = admin_->DeleteGroupOffsets(group_, {{topic_, 1}});
  ASSERT_TRUE(deleted) << deleted.error().ToString();
  ASSERT_EQ(deleted->size(), 1u);
  EXPECT_FALSE((*deleted)[0].error);
  offsets = admin_->ListGroupOffsets(group_);
  ASSERT_TRUE(offsets);
  ASSERT_EQ(offsets->size(), 1u);
  EXPECT_EQ((*offsets)[0].partition, 0);
}

TEST_F(KafkaGroupOffsetsTest, UnknownGroupHasNoOffsetsAndIsDead) {
  std::string group = test::UniqueName("kafka-nogroup");
  auto offsets = admin_->ListGroupOffsets(group);
  ASSERT_TRUE(offsets) << offsets.error().ToString();
  EXPECT_TRUE(offsets->empty());
  auto desc = admin_->DescribeConsumerGroup(group);
  ASSERT_TRUE(desc) << desc.error().ToString();
  EXPECT_EQ(desc->state, GroupState::kDead);
}

// A kcat balanced consumer: a real, active member of `group`.
class KcatMember {
 public:
  KcatMember(const std::string& bootstrap, const std::string& group, const std::string& topic) {
    std::vector<std::string> args = {"kcat", "-q", "-b", bootstrap, "-G", group, topic};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid_, "kcat", &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~KcatMember() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

TEST_F(KafkaGroupOffsetsTest, CommitToAGroupWithAnActiveMemberIsRefusedPerPartition) {
  group_ = test::UniqueName("kafka-busy");
  KcatMember member(test::RequireEnv("KB_BOOTSTRAP"), group_, topic_);
  ASSERT_TRUE(member.started()) << "could not start kcat (Debian package kcat)";

  std::optional<GroupDescription> desc;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto d = admin_->DescribeConsumerGroup(group_);
    if (d && d->state == GroupState::kStable && d->members.size() == 1) {
      desc = *d;
      break;
    }
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(desc) << "kcat did not join group " << group_ << " within 30 s";
  EXPECT_EQ(desc->members[0].assignment.size(), 2u);

  auto outcomes = admin_->AlterGroupOffsets(group_, {{topic_, 0, 1, ""}, {topic_, 1, 1, ""}});
  ASSERT_TRUE(outcomes) << outcomes.error().ToString();
  ASSERT_EQ(outcomes->size(), 2u);
  for (const auto& o : *outcomes) {
    ASSERT_TRUE(o.error) << "partition " << o.partition << " accepted a commit while the group is active";
    EXPECT_EQ(o.error->code, ErrorCode::kConflict) << o.error->ToString();
    EXPECT_NE(o.error->message.find("group=" + group_), std::string::npos);
  }
}

}  // namespace
}  // namespace kb::kafka
