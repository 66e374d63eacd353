// Backup against the real broker: every mode, resume, crash-kill, gaps, compaction,
// transactions and record fidelity.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include "backup/backup_engine.h"
#include "catalog/catalog_reader.h"
#include "core/stop.h"
#include "format/object_keys.h"
#include "storage/filesystem_store.h"
#include "storage/s3/http_client.h"
#include "storage/storage_config.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

using test::ReadBackup;
using test::UniqueName;

Record Rec(std::optional<std::string> key, std::optional<std::string> value, int64_t ts,
           std::vector<RecordHeader> headers = {}) {
  Record r;
  r.key = std::move(key);
  r.value = std::move(value);
  r.timestamp = ts;
  r.headers = std::move(headers);
  return r;
}

std::vector<Record> Numbered(int from, int to, int64_t ts0) {
  std::vector<Record> out;
  for (int i = from; i < to; ++i) out.push_back(Rec("k" + std::to_string(i), "v" + std::to_string(i), ts0 + i));
  return out;
}

BackupSummary RunBackup(const Config& c) {
  FilesystemStore store(c.storage.path);
  BackupEngine engine(c, store);
  auto s = engine.Run();
  EXPECT_TRUE(s) << s.error().ToString();
  if (!s) return {};
  EXPECT_TRUE(s->errors.empty()) << s->errors.front();
  return *s;
}

TEST(Backup, OneShotKeepsEveryFieldNullDistinctFromEmpty) {
  std::string topic = UniqueName("fidelity");
  test::CreateTopic(topic, 1);
  std::vector<Record> produced = {
      Rec(std::nullopt, std::nullopt, 1000),
      Rec("", "", 1001),
      Rec("key", std::nullopt, 1002, {{"h", "1"}, {"h", "2"}, {"null-header", std::nullopt}, {"empty", ""}}),
      Rec(std::nullopt, "value", 1003, {{"z", "last"}, {"a", "first"}}),
      Rec("big", std::string(300000, 'x'), 999),  // out-of-order timestamp
  };
  test::ProduceRecords(topic, 0, produced);
  auto dir = test::TempDir("fidelity");
  auto s = RunBackup(test::BackupConfig("b1", topic, dir));
  EXPECT_EQ(s.records, produced.size());
  FilesystemStore store(dir);
  auto got = ReadBackup(store, "b1", topic, 0);
  ASSERT_EQ(got.size(), produced.size());
  for (size_t i = 0; i < got.size(); ++i) {
    Record expected = produced[i];
    expected.offset = static_cast<int64_t>(i);
    expected.timestamp_type = TimestampType::kCreateTime;
    EXPECT_EQ(got[i], expected) << "record " << i;
  }
  auto m = LoadManifest(store, "b1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, "complete");
  const auto& seg = m->topics[0].partitions[0].segments.at(0);
  EXPECT_EQ(seg.min_timestamp, 999);
  EXPECT_EQ(seg.max_timestamp, 1003);
}

TEST(Backup, SnapshotStopsAtCapturedEndAndResumeAddsOnlyNewRecords) {
  std::string topic = UniqueName("resume");
  test::CreateTopic(topic, 3);
  for (int p = 0; p < 3; ++p) test::ProduceRecords(topic, p, Numbered(0, 100, 5000));
  auto dir = test::TempDir("resume");
  auto c = test::BackupConfig("snap", topic, dir);
  c.backup.stop_at_current_offsets = true;
  c.backup.segment_max_records = 30;  // several segments per partition
  auto s1 = RunBackup(c);
  EXPECT_EQ(s1.records, 300u);
  EXPECT_EQ(s1.mode, "snapshot");
  for (int p = 0; p < 3; ++p) test::ProduceRecords(topic, p, Numbered(100, 150, 5000));
  auto s2 = RunBackup(c);
  EXPECT_EQ(s2.records, 150u) << "resume must read only what is new";
  FilesystemStore store(dir);
  for (int p = 0; p < 3; ++p) {
    auto got = ReadBackup(store, "snap", topic, p);
    ASSERT_EQ(got.size(), 150u);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].offset, static_cast<int64_t>(i));
  }
  auto m = LoadManifest(store, "snap");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->topics[0].partitions[0].next_offset, 150);
  EXPECT_GE(m->topics[0].partitions[0].segments.size(), 5u);
}

// A directory store that fails to write the segment starting at one offset, as a full disk or a
// lost S3 connection would. Chosen by offset, not by call order: uploads run in parallel.
class FailingSegmentStore : public FilesystemStore {
 public:
  FailingSegmentStore(const std::string& root, int64_t fail_first_offset)
      : FilesystemStore(root), fail_first_offset_(fail_first_offset) {}
  Status Put(const std::string& key, const std::string& data) override {
    int64_t first = -1, last = -1;
    if (format::ParseSegmentKey(key, &first, &last) && first == fail_first_offset_)
      return Fail(ErrorCode::kUnavailable, "injected failure storing " + key);
    return FilesystemStore::Put(key, data);
  }

 private:
  int64_t fail_first_offset_;
};

// A segment that cannot be stored stops its partition: later segments, already read, must not be
// stored and referenced past it, or the checkpoint would skip the lost records and a re-run would
// never read them again.
TEST(Backup, FailedSegmentWriteStopsThePartitionAndTheRerunFillsIt) {
  std::string topic = UniqueName("putfail");
  test::CreateTopic(topic, 1);
  test::ProduceRecords(topic, 0, Numbered(0, 100, 5000));
  auto dir = test::TempDir("putfail");
  auto c = test::BackupConfig("pf", topic, dir);
  c.backup.segment_max_records = 10;
  {
    FailingSegmentStore failing(dir, 20);  // records 20..29
    auto s = BackupEngine(c, failing).Run();
    ASSERT_TRUE(s) << s.error().ToString();
    ASSERT_FALSE(s->errors.empty());
    EXPECT_NE(s->errors.front().find("injected failure"), std::string::npos) << s->errors.front();
  }
  FilesystemStore store(dir);
  auto m = LoadManifest(store, "pf");
  ASSERT_TRUE(m);
  const auto& pm = m->topics[0].partitions[0];
  EXPECT_EQ(pm.next_offset, 20) << "the checkpoint must stop before the segment that was not stored";
  ASSERT_EQ(pm.segments.size(), 2u);
  EXPECT_EQ(pm.segments.back().last_offset, 19);

  auto s2 = RunBackup(c);
  EXPECT_EQ(s2.records, 80u) << "the re-run reads from the checkpoint";
  auto got = ReadBackup(store, "pf", topic, 0);
  ASSERT_EQ(got.size(), 100u);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].offset, static_cast<int64_t>(i));
}

// Segment uploads run on background threads that outlive their upload, so each thread's storage
// connection serves the next segment: a backup of 100 segments to MinIO opens a handful of
// connections, not one per segment (over TLS to S3, each one a handshake).
TEST(Backup, SegmentUploadsToS3ReuseTheirConnections) {
  std::string topic = UniqueName("conns");
  test::CreateTopic(topic, 1);
  test::ProduceRecords(topic, 0, Numbered(0, 200, 5000));
  auto c = test::BackupConfig("conns", topic, "");
  c.storage = test::MinioStorage(UniqueName("conns"));
  c.backup.segment_max_records = 2;
  auto store = OpenObjectStore(c.storage);
  ASSERT_TRUE(store) << store.error().ToString();
  const uint64_t before = s3::HttpClient::ConnectionsOpened();
  auto s = BackupEngine(c, **store).Run();
  const uint64_t opened = s3::HttpClient::ConnectionsOpened() - before;
  ASSERT_TRUE(s) << s.error().ToString();
  ASSERT_TRUE(s->errors.empty()) << s->errors.front();
  EXPECT_EQ(s->segments, 100u);
  EXPECT_LT(opened, 25u) << "connections opened for 100 segment uploads and their catalog commits";
  auto got = ReadBackup(**store, "conns", topic, 0);
  ASSERT_EQ(got.size(), 200u);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].offset, static_cast<int64_t>(i));
}

// Empty partitions must not end a worker early: with 2 workers and 12 partitions, only the last
// of which hold records, every record is still backed up (found by the benchmarks, where a
// one-shot run of a mostly empty topic read nothing).
TEST(Backup, EmptyPartitionsDoNotStopWorkersWithJobsPending) {
  std::string topic = UniqueName("sparse");
  test::CreateTopic(topic, 12);
  for (int p : {9, 10, 11}) test::ProduceRecords(topic, p, Numbered(0, 40, 5000));
  auto dir = test::TempDir("sparse");
  auto c = test::BackupConfig("sparse", topic, dir);
  c.backup.max_concurrent_partitions = 2;
  auto s = RunBackup(c);
  EXPECT_EQ(s.records, 120u);
  EXPECT_EQ(s.partitions, 12);
  FilesystemStore store(dir);
  for (int p : {9, 10, 11}) EXPECT_EQ(ReadBackup(store, "sparse", topic, p).size(), 40u) << "partition " << p;
  auto m = LoadManifest(store, "sparse");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, "complete");
}

TEST(Backup, StartOffsetStartsANewBackupWhereItSays) {
  std::string topic = UniqueName("start-at");
  test::CreateTopic(topic, 2);
  for (int p : {0, 1}) test::ProduceRecords(topic, p, Numbered(0, 30, 5000));
  auto dir = test::TempDir("start-at");
  auto at = test::BackupConfig("at-10", topic, dir);
  at.backup.start_offset = {StartOffset::Kind::kOffset, 10};
  EXPECT_EQ(RunBackup(at).records, 40u);
  FilesystemStore store(dir);
  for (int p : {0, 1}) {
    auto got = ReadBackup(store, "at-10", topic, p);
    ASSERT_EQ(got.size(), 20u) << "partition " << p;
    EXPECT_EQ(got.front().offset, 10);
    EXPECT_EQ(got.back().offset, 29);
  }
  auto latest = test::BackupConfig("latest", topic, dir);
  latest.backup.start_offset.kind = StartOffset::Kind::kLatest;
  EXPECT_EQ(RunBackup(latest).records, 0u);
}

TEST(Backup, LiteralTopicThatDoesNotExistIsAnError) {
  auto dir = test::TempDir("missing");
  auto c = test::BackupConfig("m", UniqueName("no-such-topic"), dir);
  FilesystemStore store(dir);
  auto s = BackupEngine(c, store).Run();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_NE(s.error().message.find("does not exist"), std::string::npos);
}

TEST(Backup, RecordsDeletedBeforeReadingAreRecordedAsAGap) {
  std::string topic = UniqueName("gap");
  test::CreateTopic(topic, 1);
  test::ProduceRecords(topic, 0, Numbered(0, 20, 1000));
  auto dir = test::TempDir("gap");
  auto c = test::BackupConfig("g", topic, dir);
  RunBackup(c);
  test::ProduceRecords(topic, 0, Numbered(20, 100, 1000));
  auto admin = test::Admin();
  auto del = admin->DeleteRecords(topic, {{0, 60}});
  ASSERT_TRUE(del) << del.error().ToString();
  auto s = RunBackup(c);
  EXPECT_EQ(s.gaps, 1u);
  EXPECT_EQ(s.gap_records, 40u);
  EXPECT_EQ(s.records, 40u);
  FilesystemStore store(dir);
  auto m = LoadManifest(store, "g");
  ASSERT_TRUE(m);
  const auto& gaps = m->topics[0].partitions[0].gaps;
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].from_offset, 20);
  EXPECT_EQ(gaps[0].to_offset, 59);
  auto got = ReadBackup(store, "g", topic, 0);
  ASSERT_EQ(got.size(), 60u);
  EXPECT_EQ(got[19].offset, 19);
  EXPECT_EQ(got[20].offset, 60);
  // validate reports the gap and still passes.
  EXPECT_EQ(test::RunCli({"validate", "--path", dir, "--backup-id", "g", "--deep"}), 0);
}

TEST(Backup, CompactedTopicBacksUpWithoutStallingAndKeepsItsConfig) {
  std::string topic = UniqueName("compacted");
  test::CreateTopic(topic, 1, {{"cleanup.policy", "compact"}, {"segment.ms", "100"},
                               {"min.cleanable.dirty.ratio", "0.001"}, {"delete.retention.ms", "0"}});
  for (int round = 0; round < 5; ++round) {
    std::vector<Record> batch;
    for (int k = 0; k < 20; ++k) batch.push_back(Rec("key-" + std::to_string(k), "round-" + std::to_string(round), 1000 + round));
    test::ProduceRecords(topic, 0, batch);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto dir = test::TempDir("compacted");
  auto start = std::chrono::steady_clock::now();
  auto s = RunBackup(test::BackupConfig("c", topic, dir));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_GE(s.records, 20u);
  EXPECT_LE(s.records, 100u);
  FilesystemStore store(dir);
  auto m = LoadManifest(store, "c");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->topics[0].configs.at("cleanup.policy"), "compact");
  auto got = ReadBackup(store, "c", topic, 0);
  for (size_t i = 1; i < got.size(); ++i) ASSERT_GT(got[i].offset, got[i - 1].offset);
}

// Writes committed, aborted, then committed transactions with librdkafka's transactional API.
void ProduceTransactions(const std::string& topic) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", test::RequireEnv("KB_BOOTSTRAP").c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "transactional.id", UniqueName("txn").c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  auto check = [](rd_kafka_error_t* e) {
    if (e) {
      ADD_FAILURE() << rd_kafka_error_string(e);
      rd_kafka_error_destroy(e);
    }
  };
  check(rd_kafka_init_transactions(rk, 30000));
  for (const char* kind : {"committed-a", "aborted", "committed-b"}) {
    check(rd_kafka_begin_transaction(rk));
    for (int i = 0; i < 10; ++i) {
      std::string v = std::string(kind) + "-" + std::to_string(i);
      rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                        RD_KAFKA_V_VALUE(v.data(), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    }
    if (std::string(kind) == "aborted") {
      rd_kafka_flush(rk, 10000);
      check(rd_kafka_abort_transaction(rk, 30000));
    } else {
      check(rd_kafka_commit_transaction(rk, 30000));
    }
  }
  rd_kafka_destroy(rk);
}

TEST(Backup, AbortedTransactionsAreNotBackedUp) {
  std::string topic = UniqueName("txn");
  test::CreateTopic(topic, 1);
  ProduceTransactions(topic);
  auto dir = test::TempDir("txn");
  auto s = RunBackup(test::BackupConfig("t", topic, dir));
  EXPECT_EQ(s.records, 20u);
  FilesystemStore store(dir);
  auto got = ReadBackup(store, "t", topic, 0);
  ASSERT_EQ(got.size(), 20u);
  for (const auto& r : got) EXPECT_EQ(r.value->find("aborted"), std::string::npos) << *r.value;
  auto m = LoadManifest(store, "t");
  // The checkpoint covers the transaction markers too, so a resume does not re-read them.
  auto wm = test::Admin()->Watermarks(topic, 0);
  EXPECT_EQ(m->topics[0].partitions[0].next_offset, wm->high);
}

std::string WriteContinuousConfig(const std::string& dir, const std::string& pattern) {
  std::string path = dir + "/continuous.yaml";
  std::ofstream(path) << "mode: backup\nbackup_id: cont\nsource:\n  bootstrap_servers: [" << test::RequireEnv("KB_BOOTSTRAP")
                      << "]\n  topics:\n    include: [\"" << pattern << "\"]\nstorage:\n  backend: filesystem\n  path: "
                      << dir << "/store\nbackup:\n  continuous: true\n  segment_max_records: 50\n"
                      << "  segment_max_interval_ms: 300\n  topic_refresh_interval_ms: 500\n  poll_interval_ms: 50\n";
  return path;
}

TEST(Backup, ContinuousFollowsNewRecordsAndNewTopicsAndSigtermFlushes) {
  std::string stem = UniqueName("cont");
  test::CreateTopic(stem + "-a", 2);
  test::ProduceRecords(stem + "-a", 0, Numbered(0, 30, 1000));
  auto dir = test::TempDir("cont");
  pid_t pid = test::StartCli({"backup", "-c", WriteContinuousConfig(dir, stem + "-*")}, dir + "/log");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  test::ProduceRecords(stem + "-a", 1, Numbered(0, 40, 1000));
  test::CreateTopic(stem + "-b", 1);
  test::ProduceRecords(stem + "-b", 0, Numbered(0, 25, 1000));
  std::this_thread::sleep_for(std::chrono::seconds(4));
  kill(pid, SIGTERM);
  EXPECT_EQ(test::WaitCli(pid), 0) << "continuous backup must exit 0 on SIGTERM";
  FilesystemStore store(dir + "/store");
  EXPECT_EQ(ReadBackup(store, "cont", stem + "-a", 0).size(), 30u);
  EXPECT_EQ(ReadBackup(store, "cont", stem + "-a", 1).size(), 40u);
  EXPECT_EQ(ReadBackup(store, "cont", stem + "-b", 0).size(), 25u) << "a new matching topic must be followed";
}

// SIGTERM flushes what is buffered, and that includes a segment large enough for a multipart
// upload to MinIO: the upload must run to the end, not stop because a stop was requested.
TEST(Backup, SigtermFlushesALargeBufferedSegmentToMinio) {
  std::string topic = UniqueName("bigflush");
  test::CreateTopic(topic, 1);
  std::mt19937 rng(7);
  std::vector<Record> records;
  for (int i = 0; i < 1000; ++i) {
    std::string value(20 << 10, '\0');
    for (char& c : value) c = static_cast<char>(rng());
    records.push_back(Rec("k" + std::to_string(i), std::move(value), 1000 + i));
  }
  test::ProduceRecords(topic, 0, records);  // about 20 MB that will not compress: above the multipart threshold

  StorageConfig sc;
  sc.backend = StorageBackendKind::kS3;
  sc.bucket = test::RequireEnv("KB_S3_BUCKET");
  sc.prefix = UniqueName("bigflush");
  sc.endpoint = test::RequireEnv("KB_S3_ENDPOINT");
  sc.region = test::RequireEnv("KB_S3_REGION");
  sc.access_key = test::RequireEnv("KB_S3_ACCESS_KEY");
  sc.secret_key = test::RequireEnv("KB_S3_SECRET_KEY");
  auto dir = test::TempDir("bigflush");
  std::string config = dir + "/backup.yaml";
  const int port = test::FreePort();
  // One worker, no age roll: the whole topic stays buffered in one open segment until SIGTERM.
  std::ofstream(config) << "backup_id: big\nsource:\n  bootstrap_servers: [" << test::RequireEnv("KB_BOOTSTRAP")
                        << "]\n  topics: [" << topic << "]\nstorage:\n  backend: s3\n  bucket: " << sc.bucket
                        << "\n  prefix: " << sc.prefix << "\n  endpoint: " << sc.endpoint << "\n  region: " << sc.region
                        << "\nbackup:\n  continuous: true\n  max_concurrent_partitions: 1\n"
                        << "  segment_max_interval_ms: 600000\n  poll_interval_ms: 50\n"
                        << "metrics:\n  enabled: true\n  port: " << port << "\n";
  pid_t pid = test::StartCli({"backup", "-c", config}, dir + "/log",
                             {{"AWS_ACCESS_KEY_ID", sc.access_key}, {"AWS_SECRET_ACCESS_KEY", sc.secret_key}});
  // SIGTERM once every record is read (and buffered): its /metrics says so.
  httplib::Client http("127.0.0.1", port);
  const std::string all_read = "kafka_backup_records_total{backup_id=\"big\"} 1000\n";
  bool read_all = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       !read_all && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
    auto m = http.Get("/metrics");
    read_all = m && m->body.find(all_read) != std::string::npos;
  }
  EXPECT_TRUE(read_all) << "the backup did not read the 1000 records within 60 s";
  kill(pid, SIGTERM);
  EXPECT_EQ(test::WaitCli(pid), 0) << test::ReadTextFile(dir + "/log");

  auto store = OpenObjectStore(sc);
  ASSERT_TRUE(store) << store.error().ToString();
  auto got = ReadBackup(**store, "big", topic, 0);
  ASSERT_EQ(got.size(), records.size()) << test::ReadTextFile(dir + "/log");
  EXPECT_EQ(got.back().value, records.back().value);
  auto m = LoadManifest(**store, "big");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->topics[0].partitions[0].segments.size(), 1u);
  EXPECT_GT(m->topics[0].partitions[0].segments[0].stored_bytes, 16u << 20) << "the segment must need a multipart upload";
}

TEST(Backup, KillNineAtRandomMomentsLosesNothingAndDuplicatesNothing) {
  std::string topic = UniqueName("crash");
  test::CreateTopic(topic, 2);
  auto dir = test::TempDir("crash");
  std::string cfg = WriteContinuousConfig(dir, topic);
  std::atomic<bool> producing{true};
  std::atomic<int> produced{0};
  std::thread producer([&] {
    int i = 0;
    while (producing) {
      test::ProduceRecords(topic, i % 2, Numbered(i, i + 20, 1000));
      i += 20;
      produced = i;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  });
  std::mt19937 rng(42);
  for (int round = 0; round < 6; ++round) {
    pid_t pid = test::StartCli({"backup", "-c", cfg}, dir + "/log");
    std::this_thread::sleep_for(std::chrono::milliseconds(400 + rng() % 1200));
    kill(pid, SIGKILL);
    test::WaitCli(pid);
  }
  producing = false;
  producer.join();
  pid_t pid = test::StartCli({"backup", "-c", cfg}, dir + "/log");
  std::this_thread::sleep_for(std::chrono::seconds(4));
  kill(pid, SIGTERM);
  ASSERT_EQ(test::WaitCli(pid), 0);
  FilesystemStore store(dir + "/store");
  auto admin = test::Admin();
  uint64_t total = 0;
  for (int p = 0; p < 2; ++p) {
    auto got = ReadBackup(store, "cont", topic, p);
    auto wm = admin->Watermarks(topic, p);
    ASSERT_TRUE(wm);
    ASSERT_EQ(static_cast<int64_t>(got.size()), wm->high) << "partition " << p;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].offset, static_cast<int64_t>(i)) << "partition " << p;
    total += got.size();
  }
  EXPECT_EQ(total, static_cast<uint64_t>(produced.load()));
}

TEST(Backup, UnreachableBrokerFailsFastWithClearError) {
  auto dir = test::TempDir("unreachable");
  std::string path = dir + "/c.yaml";
  std::ofstream(path) << "mode: backup\nbackup_id: u\nsource:\n  bootstrap_servers: [127.0.0.1:1]\n  topics: [x]\n"
                         "storage:\n  backend: filesystem\n  path: " << dir << "\n";
  auto start = std::chrono::steady_clock::now();
  int rc = test::RunCli({"backup", "-c", path}, dir + "/log");
  EXPECT_EQ(rc, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  std::ifstream log(dir + "/log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("127.0.0.1:1"), std::string::npos) << text;
}

TEST(Backup, UnknownConfigKeyExitsTwoNamingTheNearestKey) {
  auto dir = test::TempDir("badcfg");
  std::string path = dir + "/c.yaml";
  std::ofstream(path) << "mode: backup\nbackup_id: u\nsource:\n  bootstrap_server: [127.0.0.1:1]\n";
  EXPECT_EQ(test::RunCli({"backup", "-c", path}, dir + "/log"), 2);
  std::ifstream log(dir + "/log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("did you mean 'bootstrap_servers'"), std::string::npos) << text;
}

}  // namespace
}  // namespace kb
