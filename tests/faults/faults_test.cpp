// Fault injection on the real 3-node Kafka 4.1.1 cluster and MinIO (ctest label `faults`). Each
// case runs the kafka-backup binary as an operator would, breaks a broker or the storage under
// it, and requires exit 0 on the first run and every record exactly once, read back record by
// record. The SIGTERM cases require the documented bound (core/stop.h) and a re-run that
// completes without losing or doubling a record. Lines starting "FAULT-FIGURE" are the figures
// the README quotes.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backup/backup_engine.h"
#include "core/stop.h"
#include "faults/fault_support.h"
#include "format/object_keys.h"
#include "storage/storage_config.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb::faults {
namespace {

using namespace std::chrono_literals;

// The documented bound after SIGTERM, plus slack for a loaded CI machine.
constexpr auto kSigtermBound = kStopGrace + kStopTransferGrace;
constexpr auto kSigtermLimit = std::chrono::duration_cast<std::chrono::seconds>(kSigtermBound + 5s);

void Figure(const std::string& what, double seconds) {
  std::cout << "FAULT-FIGURE " << ::testing::UnitTest::GetInstance()->current_test_info()->name() << ": " << what
            << " " << seconds << " s" << std::endl;
}

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string BackupYaml(const std::string& id, const std::string& topic, const StorageConfig& storage, bool continuous,
                       int metrics_port) {
  std::string y = "mode: backup\nbackup_id: " + id + "\nsource:\n  bootstrap_servers: \"" + ClusterBootstrap() +
                  "\"\n  topics:\n    include: [" + topic + "]\n" + test::StorageYaml(storage) +
                  "backup:\n  continuous: " + (continuous ? "true" : "false") +
                  "\n  segment_max_interval_ms: 1000\n  topic_refresh_interval_ms: 2000\n"
                  "  capture_consumer_offsets: true\n  offset_capture_interval_ms: 2000\n";
  if (metrics_port > 0) y += "metrics:\n  enabled: true\n  port: " + std::to_string(metrics_port) + "\n";
  return y;
}

std::string RestoreYaml(const std::string& id, const std::string& src, const std::string& dst,
                        const StorageConfig& storage, int records_per_sec) {
  return "mode: restore\nbackup_id: " + id + "\ntarget:\n  bootstrap_servers: \"" + ClusterBootstrap() +
         "\"\n  topics: [" + src + "]\n" + test::StorageYaml(storage) + "restore:\n  topic_mapping:\n    " + src +
         ": " + dst + "\n  rate_limit_records_per_sec: " + std::to_string(records_per_sec) + "\n";
}

class Faults : public FaultTest {
 protected:
  // A replicated topic of this test, deleted afterwards.
  std::string Topic(const std::string& stem, int32_t partitions = 3) {
    std::string t = test::UniqueName(stem);
    CreateReplicatedTopic(*admin_, t, partitions);
    topics_.push_back(t);
    return t;
  }

  // A backup `id` of `topic` in `storage`, made in process on the healthy cluster. Small segments,
  // so a restore reads from storage all along.
  void BackupNow(const std::string& id, const std::string& topic, const StorageConfig& storage) {
    Config c = test::BackupConfig(id, topic, "");
    c.source->bootstrap_servers = Cluster().bootstrap_servers;
    c.storage = storage;
    c.backup.capture_consumer_offsets = false;
    c.backup.segment_max_records = 500;
    auto store = OpenObjectStore(storage);
    ASSERT_TRUE(store) << store.error().ToString();
    auto s = BackupEngine(c, **store).Run();
    ASSERT_TRUE(s) << s.error().ToString();
    ASSERT_TRUE(s->errors.empty()) << s->errors.front();
  }

  // A restore to run under a fault: `records` records written to a source topic and backed up to
  // MinIO (in process, on the healthy cluster), and an empty replicated target topic.
  struct RestoreCase {
    std::string src, dst, backup_id;
    std::vector<std::string> want;
    StorageConfig storage;
    std::string Config(int records_per_sec) const {
      return WriteConfig(RestoreYaml(backup_id, src, dst, storage, records_per_sec));
    }
  };
  RestoreCase PrepareRestore(const std::string& stem, int records) {
    RestoreCase c;
    c.src = Topic(stem + "-src");
    c.dst = Topic(stem + "-dst");
    c.want = ProduceValues(c.src, 3, stem, records);
    c.storage = TestStorage(stem);
    c.backup_id = test::UniqueName(stem);
    BackupNow(c.backup_id, c.src, c.storage);
    return c;
  }

  std::vector<std::string> StoredBackup(const StorageConfig& storage, const std::string& id, const std::string& topic) {
    auto store = OpenObjectStore(storage);
    EXPECT_TRUE(store) << store.error().ToString();
    return store ? BackupValues(**store, id, topic) : std::vector<std::string>{};
  }

  // Waits until the continuous backup serving /metrics on `port` has read `records` records.
  void WaitUntilRead(int port, size_t records) {
    bool ok = WaitFor(
        [&] { return Metric(HttpGet(port, "/metrics"), "kafka_backup_records_total") >= static_cast<double>(records); },
        180s);
    ASSERT_TRUE(ok) << "the backup did not read " << records << " records; /metrics:\n" << HttpGet(port, "/metrics");
  }

  // MinIO stopped under a continuous backup and a restore for `outage`: the backup buffers, then
  // pauses reading, /health says degraded with the pending writes; the restore waits for its reads
  // and progress objects. Both finish with every record once after MinIO is back.
  void StorageOutage(std::chrono::seconds outage, const std::string& stem) {
    std::string live = Topic(stem + "-live");
    RestoreCase r = PrepareRestore(stem, 6000);
    const StorageConfig& storage = r.storage;

    Writer writer(live, 3, stem + "-live", 300);
    int port = test::FreePort();
    std::string bid = test::UniqueName(stem + "-b");
    Cli backup({"backup", "--config", WriteConfig(BackupYaml(bid, live, storage, true, port))});
    WaitUntilRead(port, 100);
    // Slow enough to need storage (segment reads, progress every 2 s) all through the outage.
    const int rate = static_cast<int>(6000 / (outage.count() + 20));
    Cli restore({"restore", "--config", r.Config(rate)});
    std::this_thread::sleep_for(2s);

    Minio("stop");
    auto stopped = Clock::now();
    std::string health;
    bool degraded = WaitFor(
        [&] {
          health = HttpGet(port, "/health");
          return health.find("\"status\":\"degraded\"") != std::string::npos &&
                 health.find("storage failing, retrying") != std::string::npos;
        },
        std::chrono::seconds(outage.count() - 2));
    EXPECT_TRUE(degraded) << "/health during the outage: " << health;
    // The first request to fail may be a read (the fence check lists runs every second): the next
    // segment's write joins it within a roll interval.
    std::string metrics;
    bool pending = WaitFor(
        [&] {
          metrics = HttpGet(port, "/metrics");
          return Metric(metrics, "kafka_backup_storage_pending_writes") >= 1;
        },
        10s);
    EXPECT_EQ(Metric(metrics, "kafka_backup_storage_retrying"), 1) << metrics;
    EXPECT_TRUE(pending) << "no segment write waited for storage during the outage:\n" << metrics;
    std::this_thread::sleep_until(stopped + outage);
    EXPECT_TRUE(backup.running()) << backup.Output();
    EXPECT_TRUE(restore.running()) << restore.Output();
    Minio("start");
    auto back = Clock::now();
    EXPECT_TRUE(WaitFor([&] { return Metric(HttpGet(port, "/metrics"), "kafka_backup_storage_retrying") == 0; }, 120s));
    std::cout << "FAULT-FIGURE " << ::testing::UnitTest::GetInstance()->current_test_info()->name()
              << ": the backup's pending writes were stored " << Since(back) << " s after MinIO was back" << std::endl;

    EXPECT_EQ(restore.Wait(300s), 0) << restore.Output();
    auto written = writer.Stop();
    WaitUntilRead(port, written.size());
    std::chrono::duration<double> took{};
    EXPECT_EQ(backup.SignalAndWait(SIGTERM, kSigtermLimit, &took), 0) << backup.Output();
    EXPECT_TRUE(ExactlyOnce(written, StoredBackup(storage, bid, live)));
    EXPECT_TRUE(ExactlyOnce(r.want, TopicValues(r.dst)));
  }
};

// kill -9 of a partition's leader 1 s before a one-shot backup starts: the backup waits out the
// election (watermarks, fetches and the final offset capture retry) and stores every record once.
TEST_F(Faults, BackupRidesOutALeaderKilledJustBefore) {
  std::string topic = Topic("fault-bk-kill");
  auto want = ProduceValues(topic, 3, "bk-kill", 3000);
  auto storage = TestStorage("fault-bk-kill");
  std::string id = test::UniqueName("bk-kill");
  int32_t leader = LeaderOf(*admin_, topic, 0);
  KafkaNode(leader, "kill");
  std::this_thread::sleep_for(1s);
  auto start = Clock::now();
  Cli backup({"backup", "--config", WriteConfig(BackupYaml(id, topic, storage, false, 0))});
  int code = backup.Wait(300s);
  Figure("one-shot backup with a leader killed 1 s before, took", Since(start));
  EXPECT_EQ(code, 0) << backup.Output();
  KafkaNode(leader, "start");
  EXPECT_TRUE(ExactlyOnce(want, StoredBackup(storage, id, topic)));
}

// kill -9 of a target partition's leader 1 s before a restore starts (the restore of issue 16 that
// hung in rd_kafka_query_watermark_offsets): it waits out the election and writes every record once.
TEST_F(Faults, RestoreRidesOutALeaderKilledJustBefore) {
  RestoreCase r = PrepareRestore("fault-rs-kill", 3000);
  int32_t leader = LeaderOf(*admin_, r.dst, 0);
  KafkaNode(leader, "kill");
  std::this_thread::sleep_for(1s);
  auto start = Clock::now();
  Cli restore({"restore", "--config", r.Config(0)});
  int code = restore.Wait(300s);
  Figure("restore with a leader killed 1 s before, took", Since(start));
  EXPECT_EQ(code, 0) << restore.Output();
  KafkaNode(leader, "start");
  EXPECT_TRUE(ExactlyOnce(r.want, TopicValues(r.dst)));
}

// kill -9 of a broker leading partitions of both while a continuous backup (with offset capture)
// follows a topic being written and a restore writes another: both go on and lose nothing.
TEST_F(Faults, BackupAndRestoreRideOutALeaderKilledWhileTheyRun) {
  std::string live = Topic("fault-run-kill-live");
  RestoreCase r = PrepareRestore("fault-run-kill", 4000);
  const StorageConfig& storage = r.storage;

  Writer writer(live, 3, "run-kill-live", 300);
  int port = test::FreePort();
  std::string bid = test::UniqueName("run-kill-b");
  Cli backup({"backup", "--config", WriteConfig(BackupYaml(bid, live, storage, true, port))});
  WaitUntilRead(port, 100);
  Cli restore({"restore", "--config", r.Config(400)});
  std::this_thread::sleep_for(2s);
  // A broker leading a partition of each topic (with 3 partitions over 3 brokers there is one).
  int32_t leader = -1;
  for (int32_t p = 0; p < 3 && leader < 0; ++p)
    for (int32_t q = 0; q < 3 && leader < 0; ++q)
      if (LeaderOf(*admin_, live, p) == LeaderOf(*admin_, r.dst, q)) leader = LeaderOf(*admin_, live, p);
  ASSERT_GE(leader, 0) << "no broker leads partitions of both topics";
  auto killed_at = Clock::now();
  KafkaNode(leader, "kill");

  EXPECT_EQ(restore.Wait(300s), 0) << restore.Output();
  Figure("restore finished after the kill in", Since(killed_at));
  KafkaNode(leader, "start");
  std::this_thread::sleep_for(2s);
  auto written = writer.Stop();
  WaitUntilRead(port, written.size());
  std::chrono::duration<double> took{};
  EXPECT_EQ(backup.SignalAndWait(SIGTERM, kSigtermLimit, &took), 0) << backup.Output();
  Figure("continuous backup ended after SIGTERM in", took.count());
  EXPECT_TRUE(ExactlyOnce(written, StoredBackup(storage, bid, live)));
  EXPECT_TRUE(ExactlyOnce(r.want, TopicValues(r.dst)));
}

// A rolling restart of all three brokers (controlled shutdown, start, replicas back in sync, next)
// while a continuous backup with offset capture every 2 s follows a topic being written, and a
// restore writes another topic. Neither ends; captures missed while a broker is down are counted.
TEST_F(Faults, RollingRestartDuringContinuousBackupAndRestore) {
  std::string live = Topic("fault-roll-live");
  std::string group = test::UniqueName("fault-roll-group");
  ASSERT_TRUE(admin_->AlterGroupOffsets(group, {{live, 0, 0, ""}}));
  RestoreCase r = PrepareRestore("fault-roll", 12000);
  const StorageConfig& storage = r.storage;

  Writer writer(live, 3, "roll-live", 300);
  int port = test::FreePort();
  std::string bid = test::UniqueName("roll-b");
  Cli backup({"backup", "--config", WriteConfig(BackupYaml(bid, live, storage, true, port))});
  WaitUntilRead(port, 100);
  Cli restore({"restore", "--config", r.Config(250)});

  auto rolling = Clock::now();
  for (int node = 1; node <= 3; ++node) {
    auto step = Clock::now();
    KafkaNode(node, "stop");
    double stopped = Since(step);
    std::this_thread::sleep_for(2s);
    step = Clock::now();
    KafkaNode(node, "start");
    double started = Since(step);
    step = Clock::now();
    WaitInSync(*admin_, {live, r.dst, "__consumer_offsets"});
    std::cout << "rolling restart: node " << node << " stopped in " << stopped << " s, started in " << started
              << " s, replicas in sync " << Since(step) << " s later" << std::endl;
  }
  Figure("rolling restart of 3 brokers took", Since(rolling));
  EXPECT_TRUE(backup.running()) << "the continuous backup ended during the restart:\n" << backup.Output();

  EXPECT_EQ(restore.Wait(300s), 0) << restore.Output();
  auto written = writer.Stop();
  WaitUntilRead(port, written.size());
  std::string metrics = HttpGet(port, "/metrics");
  double captures = Metric(metrics, "kafka_backup_offset_captures_total");
  double missed = Metric(metrics, "kafka_backup_offset_captures_missed_total");
  std::cout << "FAULT-FIGURE " << ::testing::UnitTest::GetInstance()->current_test_info()->name()
            << ": offset captures stored " << captures << ", missed " << missed << std::endl;
  EXPECT_GE(captures, 2) << metrics;
  std::chrono::duration<double> took{};
  EXPECT_EQ(backup.SignalAndWait(SIGTERM, kSigtermLimit, &took), 0) << backup.Output();
  EXPECT_TRUE(ExactlyOnce(written, StoredBackup(storage, bid, live)));
  EXPECT_TRUE(ExactlyOnce(r.want, TopicValues(r.dst)));
}

TEST_F(Faults, StorageOutageOf30sDuringContinuousBackupAndRestore) { StorageOutage(30s, "fault-s3-30s"); }

// An outage of minutes, as production sees: longer than every retry budget except the storage
// deadline (5 minutes by default).
TEST_F(Faults, StorageOutageOfThreeMinutesDuringContinuousBackupAndRestore) {
  StorageOutage(180s, "fault-s3-3m");
}

// SIGTERM while storage is down and a segment waits to be stored: the backup keeps trying for the
// stop grace, then ends within the bound, exit 1 naming what it could not store. Its checkpoint
// never passed the unstored records, so a re-run after the outage stores each record once.
TEST_F(Faults, SigtermDuringAStorageOutageEndsWithinTheBoundAndLosesNothing) {
  std::string live = Topic("fault-term-s3");
  auto storage = TestStorage("fault-term-s3");
  Writer writer(live, 3, "term-s3", 300);
  int port = test::FreePort();
  std::string id = test::UniqueName("term-s3");
  Cli backup({"backup", "--config", WriteConfig(BackupYaml(id, live, storage, true, port))});
  WaitUntilRead(port, 100);
  Minio("stop");
  ASSERT_TRUE(WaitFor([&] { return Metric(HttpGet(port, "/metrics"), "kafka_backup_storage_pending_writes") >= 1; }, 30s))
      << HttpGet(port, "/metrics");
  auto written = writer.Stop();
  WaitUntilRead(port, written.size());

  std::chrono::duration<double> took{};
  int code = backup.SignalAndWait(SIGTERM, kSigtermLimit, &took);
  Figure("continuous backup ended after SIGTERM during the outage in", took.count());
  EXPECT_EQ(code, 1) << backup.Output();
  EXPECT_LE(took, kSigtermBound + 2s);
  EXPECT_NE(backup.Output().find("cut short by the stop request"), std::string::npos) << backup.Output();

  Minio("start");
  Cli rerun({"backup", "--config", WriteConfig(BackupYaml(id, live, storage, false, 0))});
  EXPECT_EQ(rerun.Wait(300s), 0) << rerun.Output();
  EXPECT_TRUE(ExactlyOnce(written, StoredBackup(storage, id, live)));
}

// SIGTERM to a restore whose target leader was just killed: the restore stops producing, waits for
// confirmations within the stop grace, saves its progress and ends within the bound with exit 130.
// The re-run resumes and the target holds every record once.
TEST_F(Faults, SigtermToARestoreDuringALeaderOutageEndsWithinTheBound) {
  RestoreCase r = PrepareRestore("fault-term-rs", 6000);
  std::string config = r.Config(300);
  Cli restore({"restore", "--config", config});
  std::this_thread::sleep_for(3s);
  int32_t leader = LeaderOf(*admin_, r.dst, 0);
  KafkaNode(leader, "kill");
  std::this_thread::sleep_for(1s);
  std::chrono::duration<double> took{};
  int code = restore.SignalAndWait(SIGTERM, kSigtermLimit, &took);
  Figure("restore ended after SIGTERM with its leader down in", took.count());
  EXPECT_EQ(code, 130) << restore.Output();
  EXPECT_LE(took, kSigtermBound + 2s);
  KafkaNode(leader, "start");
  Cli rerun({"restore", "--config", config});
  EXPECT_EQ(rerun.Wait(300s), 0) << rerun.Output();
  EXPECT_TRUE(ExactlyOnce(r.want, TopicValues(r.dst)));
}

// A second SIGTERM exits at once (status 130), even while storage is down; nothing stored is
// corrupted: the re-run after the outage resumes and the target holds every record once.
TEST_F(Faults, ASecondSignalExitsAtOnceAndTheRerunCompletes) {
  RestoreCase r = PrepareRestore("fault-twice", 6000);
  std::string config = r.Config(300);
  Cli restore({"restore", "--config", config});
  std::this_thread::sleep_for(3s);
  Minio("stop");
  std::this_thread::sleep_for(1s);
  restore.Signal(SIGTERM);
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(restore.running()) << "the first signal should leave time to save progress:\n" << restore.Output();
  std::chrono::duration<double> took{};
  int code = restore.SignalAndWait(SIGTERM, 5s, &took);
  Figure("restore ended after the second signal in", took.count());
  EXPECT_EQ(code, 130) << restore.Output();
  EXPECT_LT(took, 2s);
  Minio("start");
  Cli rerun({"restore", "--config", config});
  EXPECT_EQ(rerun.Wait(300s), 0) << rerun.Output();
  EXPECT_TRUE(ExactlyOnce(r.want, TopicValues(r.dst)));
}

}  // namespace
}  // namespace kb::faults
