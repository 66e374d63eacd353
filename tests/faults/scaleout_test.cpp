// Scale-out on the real 3-node cluster and MinIO (ctest label `faults`, run alone): several
// kafka-backup processes share one backup through the consumer group `kafka-backup.<id>`.
// Members are killed, join, are paused past their session and stopped while records keep coming;
// afterwards every partition of the backup holds each of its offsets exactly once, in order, and
// a restore writes every record once. Lines starting "FAULT-FIGURE" are figures the README quotes.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faults/fault_support.h"
#include "storage/storage_config.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb::faults {
namespace {

using namespace std::chrono_literals;

constexpr int kMembersTimeoutS = 90;

// A member's config: continuous, in the backup's group, with a short session so a killed member's
// partitions move within seconds, and /health on `port`.
std::string MemberYaml(const std::string& id, const std::string& topic, const StorageConfig& storage, int port) {
  return "mode: backup\nbackup_id: " + id + "\nsource:\n  bootstrap_servers: \"" + ClusterBootstrap() +
         "\"\n  topics:\n    include: [" + topic +
         "]\n  properties:\n    session.timeout.ms: \"6000\"\n    heartbeat.interval.ms: \"1000\"\n" +
         test::StorageYaml(storage) +
         "backup:\n  continuous: true\n  coordination: kafka-group\n  segment_max_interval_ms: 1000\n"
         "  topic_refresh_interval_ms: 2000\n  capture_consumer_offsets: false\n"
         "metrics:\n  enabled: true\n  port: " +
         std::to_string(port) + "\n";
}

struct Member {
  int port = 0;
  std::unique_ptr<Cli> cli;
};

class ScaleOut : public FaultTest {
 protected:
  std::string Topic(const std::string& stem, int32_t partitions) {
    std::string t = test::UniqueName(stem);
    CreateReplicatedTopic(*admin_, t, partitions);
    topics_.push_back(t);
    return t;
  }

  Member Start(const std::string& id, const std::string& topic, const StorageConfig& storage) {
    Member m;
    m.port = test::FreePort();
    m.cli = std::make_unique<Cli>(std::vector<std::string>{"backup", "--config", WriteConfig(MemberYaml(id, topic, storage, m.port))});
    return m;
  }

  // Partitions the member serving /health on `port` owns now; -1 when it does not answer.
  static int Assigned(const Member& m) {
    std::string body = HttpGet(m.port, "/health");
    if (body.empty()) return -1;
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.contains("assigned")) return -1;
    return static_cast<int>(j["assigned"].size());
  }

  // Waits until the members own `partitions` partitions between them, each at least one.
  bool WaitShared(const std::vector<const Member*>& members, int partitions) {
    return WaitFor(
        [&] {
          int sum = 0;
          for (const auto* m : members) {
            int n = Assigned(*m);
            if (n <= 0) return false;
            sum += n;
          }
          return sum == partitions;
        },
        std::chrono::seconds(kMembersTimeoutS));
  }

  // Waits until the group's committed offsets (the backup's durable position) reach the end of
  // every partition: what kafka-consumer-groups shows as lag 0.
  void WaitCaughtUp(const std::string& group, const std::string& topic, int32_t partitions) {
    bool ok = WaitFor(
        [&] {
          auto committed = admin_->ListGroupOffsets(group);
          if (!committed) return false;
          std::map<int32_t, int64_t> at;
          for (const auto& o : *committed)
            if (o.topic == topic) at[o.partition] = o.offset;
          for (int32_t p = 0; p < partitions; ++p) {
            auto wm = admin_->Watermarks(topic, p);
            if (!wm) return false;
            if (wm->high > 0 && (!at.count(p) || at[p] < wm->high)) return false;
          }
          return true;
        },
        120s);
    ASSERT_TRUE(ok) << "group " << group << " did not catch up with " << topic;
  }

  // Each partition of the backup holds exactly the offsets 0..end-1 once, in order; the values
  // are `want`, each once; and a restore to a new topic writes each of them once.
  void CheckBackupAndRestore(const std::string& id, const std::string& topic, int32_t partitions,
                             const StorageConfig& storage, const std::vector<std::string>& want) {
    auto store = OpenObjectStore(storage);
    ASSERT_TRUE(store) << store.error().ToString();
    for (int32_t p = 0; p < partitions; ++p) {
      auto wm = admin_->Watermarks(topic, p);
      ASSERT_TRUE(wm) << wm.error().ToString();
      auto got = test::ReadBackup(**store, id, topic, p);
      ASSERT_EQ(static_cast<int64_t>(got.size()), wm->high) << "partition " << p;
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(got[i].offset, static_cast<int64_t>(i)) << "partition " << p << " out of order or doubled";
    }
    // The source first: a value the writer's producer had confirmed but the topic lacks is a loss
    // in Kafka or its client (a new topic's first records were once lost that way), not the backup's.
    EXPECT_TRUE(ExactlyOnce(want, TopicValues(topic))) << "the source topic differs from what its writer confirmed";
    EXPECT_TRUE(ExactlyOnce(want, BackupValues(**store, id, topic))) << "the backup differs from the source";
    EXPECT_EQ(test::RunCli({"validate", "--path", "s3://" + storage.bucket + "/" + storage.prefix, "--backup-id", id,
                            "--deep"},
                           "/dev/null", StorageEnv(storage)),
              0);

    // describe names the member that made each partition's newest commit.
    std::string described = test::TempDir("so-describe") + "/describe.json";
    ASSERT_EQ(test::RunCli({"describe", "--path", "s3://" + storage.bucket + "/" + storage.prefix, "--backup-id", id,
                            "--format", "json", "-q"},
                           described, StorageEnv(storage)),
              0);
    auto doc = nlohmann::json::parse(test::ReadTextFile(described), nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << test::ReadTextFile(described);
    for (const auto& jp : doc["topics"][0]["partitions"])
      EXPECT_TRUE(jp.value("committed_by_member", "").rfind("kafka-backup", 0) == 0) << jp.dump();

    std::string dst = Topic(topic + "-dst", partitions);
    std::string yaml = "mode: restore\nbackup_id: " + id + "\ntarget:\n  bootstrap_servers: \"" + ClusterBootstrap() +
                       "\"\n  topics: [" + topic + "]\n" + test::StorageYaml(storage) + "restore:\n  topic_mapping:\n    " +
                       topic + ": " + dst + "\n";
    Cli restore({"restore", "--config", WriteConfig(yaml)});
    ASSERT_EQ(restore.Wait(300s), 0) << restore.Output();
    EXPECT_TRUE(ExactlyOnce(want, TopicValues(dst)));
  }

  static std::map<std::string, std::string> StorageEnv(const StorageConfig& s) {
    return {{"AWS_ENDPOINT_URL", s.endpoint}, {"AWS_ACCESS_KEY_ID", s.access_key}, {"AWS_SECRET_ACCESS_KEY", s.secret_key},
            {"AWS_REGION", s.region}};
  }
};

void Figure(const std::string& what, double seconds) {
  std::cout << "FAULT-FIGURE " << ::testing::UnitTest::GetInstance()->current_test_info()->name() << ": " << what
            << " " << seconds << " s" << std::endl;
}

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Three members back up a 12-partition topic under steady produce. One is killed with kill -9
// (its partitions move after the session timeout and resume at the catalog's position), a fourth
// joins, and one gets SIGTERM (it stores and commits what it holds and leaves at once).
TEST_F(ScaleOut, MembersKilledJoiningAndStoppedShareTheBackupExactlyOnce) {
  constexpr int32_t kPartitions = 12;
  std::string topic = Topic("so-share", kPartitions);
  StorageConfig storage = TestStorage("so-share");
  std::string id = test::UniqueName("so-share");
  Writer writer(topic, kPartitions, "so-share", 400);

  Member a = Start(id, topic, storage), b = Start(id, topic, storage), c = Start(id, topic, storage);
  ASSERT_TRUE(WaitShared({&a, &b, &c}, kPartitions)) << a.cli->Output() << b.cli->Output() << c.cli->Output();

  b.cli->Signal(SIGKILL);
  EXPECT_EQ(b.cli->Wait(10s), 128 + SIGKILL);
  auto killed = Clock::now();
  ASSERT_TRUE(WaitShared({&a, &c}, kPartitions)) << a.cli->Output() << c.cli->Output();
  Figure("partitions of a member killed with kill -9 moved to the others after", Since(killed));

  Member d = Start(id, topic, storage);
  ASSERT_TRUE(WaitShared({&a, &c, &d}, kPartitions)) << d.cli->Output();

  std::chrono::duration<double> took{};
  EXPECT_EQ(a.cli->SignalAndWait(SIGTERM, 60s, &took), 0) << a.cli->Output();
  auto left = Clock::now();
  ASSERT_TRUE(WaitShared({&c, &d}, kPartitions));
  Figure("partitions of a member stopped with SIGTERM moved to the others after", Since(left));

  std::this_thread::sleep_for(3s);
  std::vector<std::string> want = writer.Stop();
  WaitCaughtUp("kafka-backup." + id, topic, kPartitions);
  EXPECT_EQ(c.cli->SignalAndWait(SIGTERM, 60s, &took), 0) << c.cli->Output();
  EXPECT_EQ(d.cli->SignalAndWait(SIGTERM, 60s, &took), 0) << d.cli->Output();
  CheckBackupAndRestore(id, topic, kPartitions, storage, want);
}

// A member paused (SIGSTOP) past its session timeout is a zombie: the group gives its partitions to
// the other member, which commits under a newer catalog epoch. When the zombie wakes up, whatever
// it still commits is hidden from readers; it then rejoins. Nothing is lost or doubled.
TEST_F(ScaleOut, AMemberPausedPastItsSessionIsFencedAndNothingIsLostOrDoubled) {
  constexpr int32_t kPartitions = 6;
  std::string topic = Topic("so-zombie", kPartitions);
  StorageConfig storage = TestStorage("so-zombie");
  std::string id = test::UniqueName("so-zombie");
  Writer writer(topic, kPartitions, "so-zombie", 300);

  Member a = Start(id, topic, storage), b = Start(id, topic, storage);
  ASSERT_TRUE(WaitShared({&a, &b}, kPartitions)) << a.cli->Output() << b.cli->Output();
  a.cli->Signal(SIGSTOP);
  bool moved = WaitFor([&] { return Assigned(b) == kPartitions; }, std::chrono::seconds(kMembersTimeoutS));
  std::this_thread::sleep_for(3s);  // b commits the zombie's partitions under its newer epoch
  a.cli->Signal(SIGCONT);
  ASSERT_TRUE(moved) << b.cli->Output();
  ASSERT_TRUE(WaitShared({&a, &b}, kPartitions)) << a.cli->Output();

  std::this_thread::sleep_for(2s);
  std::vector<std::string> want = writer.Stop();
  WaitCaughtUp("kafka-backup." + id, topic, kPartitions);
  std::chrono::duration<double> took{};
  EXPECT_EQ(a.cli->SignalAndWait(SIGTERM, 60s, &took), 0) << a.cli->Output();
  EXPECT_EQ(b.cli->SignalAndWait(SIGTERM, 60s, &took), 0) << b.cli->Output();
  EXPECT_NE(a.cli->Output().find(" lost topic="), std::string::npos)
      << "the paused member should have learnt that it lost its partitions:\n" << a.cli->Output();
  CheckBackupAndRestore(id, topic, kPartitions, storage, want);
}

}  // namespace
}  // namespace kb::faults
