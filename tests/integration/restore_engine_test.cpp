// RestoreEngine against the real broker: backups made by the real BackupEngine from topics
// produced here with explicit timestamps, restored, and read back with a real consumer.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "backup/backup_engine.h"
#include "catalog/catalog_reader.h"
#include "catalog/documents.h"
#include "core/stop.h"
#include "format/object_keys.h"
#include "kafka/admin_client.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "offsets/reset_session.h"
#include "restore/murmur2.h"
#include "restore/restore_engine.h"
#include "storage/storage_config.h"
#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Sent {
  int32_t partition;
  Record record;
};

void ProduceAll(const std::string& topic, const std::vector<Sent>& records) {
  auto producer = kafka::Producer::Create(test::BrokerClientConfig());
  ASSERT_TRUE(producer) << producer.error().ToString();
  for (const auto& s : records) ASSERT_TRUE((*producer)->Produce(topic, s.partition, s.record));
  auto st = (*producer)->Flush(60s);
  ASSERT_TRUE(st) << st.error().ToString();
}

using test::Rec;

void ExpectSameRecord(const Record& want, const Record& got, const std::string& where) {
  EXPECT_EQ(want.key, got.key) << where;
  EXPECT_EQ(want.value, got.value) << where;
  EXPECT_EQ(want.timestamp, got.timestamp) << where;
  EXPECT_EQ(want.headers, got.headers) << where;
}

class RestoreEngineTest : public test::BrokerTopicsTest {
 protected:
  void SetUp() override {
    ResetStopForTests();
    dir_ = fs::temp_directory_path() / test::UniqueName("kb-restore");
    fs::create_directories(dir_);
    auto sc = ParseStoragePath(dir_.string());
    ASSERT_TRUE(sc);
    auto store = OpenObjectStore(*sc);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    test::BrokerTopicsTest::SetUp();
  }
  void TearDown() override {
    test::BrokerTopicsTest::TearDown();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Config BackupConfig(const std::string& backup_id, const std::string& topic, uint64_t block_bytes = 256 * 1024,
                      uint64_t segment_max_records = 0) {
    Config c;
    c.mode = "backup";
    c.backup_id = backup_id;
    c.source.emplace();
    c.source->bootstrap_servers = {test::RequireEnv("KB_BOOTSTRAP")};
    c.source->topics.include = {topic};
    c.backup.block_bytes = block_bytes;
    c.backup.segment_max_records = segment_max_records;
    c.backup.capture_consumer_offsets = false;
    c.backup.max_concurrent_partitions = 2;
    return c;
  }
  void Backup(const Config& c, ObjectStore& store) {
    BackupEngine engine(c, store);
    auto s = engine.Run();
    ASSERT_TRUE(s) << s.error().ToString();
    ASSERT_TRUE(s->errors.empty());
  }
  Config RestoreConfig(const std::string& backup_id, const std::string& source, const std::string& target) {
    Config c;
    c.mode = "restore";
    c.backup_id = backup_id;
    c.target.emplace();
    c.target->bootstrap_servers = {test::RequireEnv("KB_BOOTSTRAP")};
    c.target->topics.include = {source};
    if (source != target) c.restore.topic_mapping[source] = target;
    c.restore.create_topics = true;
    c.restore.max_concurrent_partitions = 2;
    return c;
  }

  fs::path dir_;
  std::unique_ptr<ObjectStore> store_;
};

// A record the target refuses (too large for it) fails the restore. Its checkpoint must stay
// consistent with what reached the target, so that once the target accepts the record, a re-run
// writes every record exactly once and in order: none twice, none skipped.
TEST_F(RestoreEngineTest, RefusedRecordFailsTheRestoreAndTheRerunWritesEachRecordOnce) {
  // (The test broker's 1 MiB log segments would refuse the big record too.)
  std::string src = NewTopic("refused-src", 1, {{"max.message.bytes", "4194304"}, {"segment.bytes", "8388608"}});
  std::string dst = NewTopic("refused-dst", 1, {{"segment.bytes", "8388608"}});  // max.message.bytes: about 1 MB
  std::string big(1500000, '\0');  // incompressible: the producer's lz4 must not shrink it under the limit
  std::mt19937 rng(20);
  for (char& c : big) c = static_cast<char>(rng());
  std::vector<Sent> sent;
  for (int i = 0; i < 30; ++i) sent.push_back({0, Rec(1000 + i, "k" + std::to_string(i), i == 20 ? big : "v" + std::to_string(i))});
  ProduceAll(src, sent);
  std::string bid = test::UniqueName("refused");
  Backup(BackupConfig(bid, src), *store_);

  Config rc = RestoreConfig(bid, src, dst);
  {
    auto first = RestoreEngine(rc, *store_).Run();
    ASSERT_TRUE(!first || !first->complete) << "the 1.5 MB record must be refused";
  }
  const auto written = test::ReadTopic(dst)[0];
  ASSERT_LT(written.size(), 21u) << "nothing may be written after the refused record";
  for (size_t i = 0; i < written.size(); ++i) ExpectSameRecord(sent[i].record, written[i], "first run, record " + std::to_string(i));

  std::string alter = "KB_KAFKA_LIBS='" + test::RequireEnv("KB_KAFKA_LIBS") + "' bash '" KB_SOURCE_DIR
                      "/scripts/kafka-cli.sh' configs --bootstrap-server " + test::RequireEnv("KB_BOOTSTRAP") +
                      " --alter --entity-type topics --entity-name " + dst +
                      " --add-config max.message.bytes=4194304 >/dev/null 2>&1";
  ASSERT_EQ(std::system(alter.c_str()), 0) << alter;

  auto second = RestoreEngine(rc, *store_).Run();
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_TRUE(second->complete);
  auto got = test::ReadTopic(dst)[0];
  ASSERT_EQ(got.size(), sent.size()) << "each record exactly once";
  for (size_t i = 0; i < got.size(); ++i) ExpectSameRecord(sent[i].record, got[i], "record " + std::to_string(i));
}

// produce_acks: "1" turns the idempotent producer off (faster, documented in CONFIG.md): a
// restore that meets no error still writes every record once, in order.
TEST_F(RestoreEngineTest, AcksOneRestoresEveryRecordOnce) {
  std::string src = NewTopic("acks1-src", 2);
  std::string dst = Track(test::UniqueName("acks1-dst"));
  std::vector<Sent> sent;
  for (int i = 0; i < 200; ++i) sent.push_back({i % 2, Rec(1000 + i, "k" + std::to_string(i), "v" + std::to_string(i))});
  ProduceAll(src, sent);
  std::string bid = test::UniqueName("acks1");
  Backup(BackupConfig(bid, src), *store_);
  Config rc = RestoreConfig(bid, src, dst);
  rc.restore.produce_acks = ProduceAcks::kLeader;
  auto res = RestoreEngine(rc, *store_).Run();
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_TRUE(res->complete);
  auto got = test::ReadTopic(dst);
  for (int32_t p = 0; p < 2; ++p) {
    std::vector<Record> want;
    for (const auto& s : sent)
      if (s.partition == p) want.push_back(s.record);
    ASSERT_EQ(got[p].size(), want.size()) << "partition " << p;
    for (size_t i = 0; i < want.size(); ++i) ExpectSameRecord(want[i], got[p][i], "partition " + std::to_string(p));
  }
}

// offset-reset without --strategy uses the restore's consumer_group_strategy: the stored report
// must carry it (and the snapshot to translate, when one was named).
TEST_F(RestoreEngineTest, StoredReportCarriesTheOffsetResetDefaults) {
  std::string src = NewTopic("defaults-src", 1);
  std::string dst = Track(test::UniqueName("defaults-dst"));
  ProduceAll(src, {{0, Rec(1000, "k", "v")}});
  std::string bid = test::UniqueName("defaults");
  Backup(BackupConfig(bid, src), *store_);
  Config rc = RestoreConfig(bid, src, dst);
  rc.restore.consumer_group_strategy = format::ResetStrategy::kTimestampBased;
  rc.restore.snapshot_id = "snapshot-20261124T000000000Z-abcdef";
  auto res = RestoreEngine(rc, *store_).Run();
  ASSERT_TRUE(res) << res.error().ToString();
  ASSERT_TRUE(res->complete);
  auto report = LoadRestoreReport(*store_, bid, res->restore_id);
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(offsets::DefaultStrategyFromReport(*report), offsets::ResetStrategy::kTimestampBased);
  EXPECT_EQ(report->snapshot_id, "snapshot-20261124T000000000Z-abcdef");
}

TEST_F(RestoreEngineTest, PitrBoundaryIsInclusiveAndEveryFieldSurvives) {
  std::string src = NewTopic("pitr-src", 2);
  std::string dst = Track(test::UniqueName("pitr-dst"));
  const int64_t T = 1764000000000;
  std::vector<Sent> sent;
  for (int32_t p = 0; p < 2; ++p) {
    sent.push_back({p, Rec(T - 1, "k-before", "v", {{"h", "1"}, {"h", "2"}, {"n", std::nullopt}})});
    sent.push_back({p, Rec(T, std::nullopt, "", {{"dup", ""}, {"dup", ""}})});  // null key, empty value
    sent.push_back({p, Rec(T, "", std::nullopt)});                             // empty key, null value
    sent.push_back({p, Rec(T + 1, "k-after", "late")});
    sent.push_back({p, Rec(T - 5000, "k-old", std::string("bin\0ary", 7))});
  }
  ProduceAll(src, sent);
  std::string bid = test::UniqueName("pitr");
  Backup(BackupConfig(bid, src), *store_);

  Config rc = RestoreConfig(bid, src, dst);
  rc.restore.time_window_end = T;
  RestoreEngine engine(rc, *store_);
  auto res = engine.Run();
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_TRUE(res->complete);
  EXPECT_EQ(res->records, 8u);
  EXPECT_TRUE(res->errors.empty());

  auto got = test::ReadTopic(dst);
  ASSERT_EQ(got.size(), 2u);
  for (int32_t p = 0; p < 2; ++p) {
    std::vector<Record> want;
    for (const auto& s : sent)
      if (s.partition == p && s.record.timestamp <= T) want.push_back(s.record);
    ASSERT_EQ(got[p].size(), want.size()) << "partition " << p;
    for (size_t i = 0; i < want.size(); ++i) ExpectSameRecord(want[i], got[p][i], "partition " + std::to_string(p));
  }
  // Mapping and report are stored with the backup.
  auto mapping = LoadOffsetMapping(*store_, bid);
  ASSERT_TRUE(mapping) << mapping.error().ToString();
  EXPECT_EQ(mapping->restore_id, res->restore_id);
  const PartitionMapping* pm = mapping->Find(src, 1);
  ASSERT_NE(pm, nullptr);
  EXPECT_EQ(pm->target_topic, dst);
  EXPECT_EQ(pm->records(), 4u);
  EXPECT_EQ(pm->target_end_offset, 4);
  // Source offset 3 (T+1) was left out: a group at 3 moves to where source 4 landed (target 3).
  auto tr = mapping->Translate(src, 1, 3);
  ASSERT_TRUE(tr);
  EXPECT_EQ(tr->offset, 3);
  EXPECT_EQ(pm->ranges, (std::vector<MappingRange>{{0, 0, 3}, {4, 3, 1}}));
  auto report = LoadRestoreReport(*store_, bid, res->restore_id);
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_TRUE(report->complete);
  EXPECT_EQ(report->records, 8u);
  EXPECT_EQ(report->time_window_end, T);
  ASSERT_EQ(report->partitions.size(), 2u);
  EXPECT_EQ(report->partitions[1].status, "complete");
}

TEST_F(RestoreEngineTest, OutOfOrderTimestampsAcrossManyBlocksLoseNothingInWindow) {
  std::string src = NewTopic("ooo-src", 1);
  std::string dst = Track(test::UniqueName("ooo-dst"));
  const int64_t base = 1764000000000;
  const int n = 3000;
  std::vector<Sent> sent;
  for (int i = 0; i < n; ++i)  // a permutation of 0..n-1: timestamps jump back and forth
    sent.push_back({0, Rec(base + (static_cast<int64_t>(i) * 7919) % n, "k" + std::to_string(i), "v" + std::to_string(i))});
  ProduceAll(src, sent);
  std::string bid = test::UniqueName("ooo");
  Backup(BackupConfig(bid, src, /*block_bytes=*/1024, /*segment_max_records=*/400), *store_);
  auto m = LoadManifest(*store_, bid);
  ASSERT_TRUE(m);
  ASSERT_GE(m->topics[0].partitions[0].segments.size(), 7u);

  Config rc = RestoreConfig(bid, src, dst);
  rc.restore.time_window_start = base + 1000;
  rc.restore.time_window_end = base + 1499;
  RestoreEngine engine(rc, *store_);
  auto plan = engine.Plan();
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->entries.size(), 1u);
  EXPECT_EQ(plan->entries[0].records, 500u);
  EXPECT_EQ(plan->entries[0].min_timestamp, base + 1000);
  EXPECT_EQ(plan->entries[0].max_timestamp, base + 1499);
  auto res = engine.Run();
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_TRUE(res->complete);
  std::vector<Record> want;
  for (const auto& s : sent)
    if (s.record.timestamp >= base + 1000 && s.record.timestamp <= base + 1499) want.push_back(s.record);
  auto got = test::ReadTopic(dst);
  ASSERT_EQ(got[0].size(), 500u);
  for (size_t i = 0; i < want.size(); ++i) ExpectSameRecord(want[i], got[0][i], "record " + std::to_string(i));
}

TEST_F(RestoreEngineTest, NarrowWindowReadsSmallFractionOfBackup) {
  std::string src = NewTopic("cost-src", 1);
  std::string dst = Track(test::UniqueName("cost-dst"));
  const int64_t base = 1764000000000;
  const int n = 10000;
  std::vector<Sent> sent;
  uint64_t x = 88172645463325252ull;  // xorshift: values that do not compress, like real payloads
  for (int i = 0; i < n; ++i) {
    std::string payload(200, '\0');
    for (auto& ch : payload) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      ch = static_cast<char>(x);
    }
    sent.push_back({0, Rec(base + i, std::to_string(i), payload)});
  }
  ProduceAll(src, sent);
  std::string bid = test::UniqueName("cost");
  Backup(BackupConfig(bid, src, 16 * 1024, 500), *store_);

  // A fresh store instance counts only the restore's reads.
  auto sc = ParseStoragePath(dir_.string());
  auto store = OpenObjectStore(*sc);
  ASSERT_TRUE(store);
  Config rc = RestoreConfig(bid, src, dst);
  rc.restore.time_window_start = base + n - n / 100;  // the last 1%
  RestoreEngine engine(rc, **store);
  auto res = engine.Run();
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_TRUE(res->complete);
  EXPECT_EQ(res->records, static_cast<uint64_t>(n / 100));
  uint64_t backup_bytes = res->report.backup_stored_bytes;
  ASSERT_GT(backup_bytes, 0u);
  EXPECT_LT(res->bytes_read_from_storage * 5, backup_bytes)
      << "read " << res->bytes_read_from_storage << " of " << backup_bytes;
  EXPECT_EQ(test::ReadTopic(dst)[0].size(), static_cast<size_t>(n / 100));
}

// Produces keys with librdkafka's murmur2 partitioner and returns where each key went.
std::map<std::string, int32_t> LibrdkafkaPlacement(const std::string& topic, const std::vector<std::string>& keys) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  EXPECT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", test::RequireEnv("KB_BOOTSTRAP").c_str(), err, sizeof err),
            RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, sizeof err), RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  EXPECT_NE(rk, nullptr) << err;
  for (const auto& k : keys) {
    auto e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                               RD_KAFKA_V_KEY(k.data(), k.size()), RD_KAFKA_V_VALUE(const_cast<char*>("x"), 1),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  EXPECT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  std::map<std::string, int32_t> out;
  for (const auto& [p, recs] : test::ReadTopic(topic))
    for (const auto& r : recs) out[*r.key] = p;
  return out;
}

TEST_F(RestoreEngineTest, RepartitionPutsKeysWhereKafkaPartitionersWould) {
  std::string src = NewTopic("rep-src", 2);
  std::string dst = NewTopic("rep-dst", 5);
  std::string probe = NewTopic("rep-probe", 5);
  std::vector<Sent> sent;
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    keys.push_back("customer-" + std::to_string(i * 31));
    sent.push_back({i % 2, Rec(1764000000000 + i, keys.back(), "v" + std::to_string(i))});
  }
  sent.push_back({1, Rec(1764000000500, std::nullopt, "unkeyed")});
  ProduceAll(src, sent);
  std::string bid = test::UniqueName("rep");
  Backup(BackupConfig(bid, src), *store_);

  Config rc = RestoreConfig(bid, src, dst);
  rc.restore.repartitioning = true;
  RestoreEngine engine(rc, *store_);
  auto res = engine.Run();
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_TRUE(res->complete);
  auto reference = LibrdkafkaPlacement(probe, keys);
  ASSERT_EQ(reference.size(), keys.size());
  size_t seen = 0;
  std::set<int32_t> used;
  for (const auto& [p, recs] : test::ReadTopic(dst)) {
    for (const auto& r : recs) {
      ++seen;
      if (!r.key) {
        EXPECT_EQ(p, 1) << "unkeyed record keeps source partition 1 % 5";
        continue;
      }
      EXPECT_EQ(p, KafkaPartitionForKey(*r.key, 5)) << *r.key;
      EXPECT_EQ(p, reference[*r.key]) << "librdkafka murmur2 put " << *r.key << " elsewhere";
      used.insert(p);
    }
  }
  EXPECT_EQ(seen, sent.size());
  EXPECT_EQ(used.size(), 5u);
}

TEST_F(RestoreEngineTest, CreateTopicsRecreatesCapturedConfigs) {
  std::string src = NewTopic("cfg-src", 3, {{"cleanup.policy", "compact"}, {"retention.ms", "123456789"},
                                            {"min.compaction.lag.ms", "1000"}});
  std::string dst = Track(test::UniqueName("cfg-dst"));
  ProduceAll(src, {{0, Rec(1764000000000, "a", "1")}, {2, Rec(1764000000001, "b", "2")}});
  std::string bid = test::UniqueName("cfg");
  Backup(BackupConfig(bid, src), *store_);
  Config rc = RestoreConfig(bid, src, dst);
  RestoreEngine engine(rc, *store_);
  auto res = engine.Run();
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_TRUE(res->complete);
  auto desc = admin_->DescribeTopicConfigs(dst);
  ASSERT_TRUE(desc) << desc.error().ToString();
  EXPECT_EQ(desc->partition_count, 3);
  EXPECT_EQ(desc->configs["cleanup.policy"], "compact");
  EXPECT_EQ(desc->configs["retention.ms"], "123456789");
  EXPECT_EQ(desc->configs["min.compaction.lag.ms"], "1000");
  auto got = test::ReadTopic(dst);
  EXPECT_EQ(got[0].size(), 1u);
  EXPECT_EQ(got[2].size(), 1u);
}

TEST_F(RestoreEngineTest, MissingTopicWithoutCreateTopicsIsAnErrorNamingIt) {
  std::string src = NewTopic("miss-src", 1);
  ProduceAll(src, {{0, Rec(1764000000000, "a", "1")}});
  std::string bid = test::UniqueName("miss");
  Backup(BackupConfig(bid, src), *store_);
  std::string dst = test::UniqueName("miss-dst");
  Config rc = RestoreConfig(bid, src, dst);
  rc.restore.create_topics = false;
  RestoreEngine engine(rc, *store_);
  auto res = engine.Run();
  ASSERT_FALSE(res);
  EXPECT_NE(res.error().message.find(dst), std::string::npos) << res.error().message;
  EXPECT_NE(res.error().message.find("create_topics"), std::string::npos) << res.error().message;
  auto plan = engine.Plan();
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->problems.size(), 1u);
  EXPECT_FALSE(plan->entries.at(0).target_topic_exists);
}

TEST_F(RestoreEngineTest, NonEmptyTargetIsRefusedUnlessAllowed) {
  std::string src = NewTopic("ne-src", 1);
  std::string dst = NewTopic("ne-dst", 1);
  std::vector<Sent> sent;
  for (int i = 0; i < 10; ++i) sent.push_back({0, Rec(1764000000000 + i, "k", "v" + std::to_string(i))});
  ProduceAll(src, sent);
  ProduceAll(dst, {{0, Rec(1764000000000, "old", "old")}});
  std::string bid = test::UniqueName("ne");
  Backup(BackupConfig(bid, src), *store_);

  Config rc = RestoreConfig(bid, src, dst);
  {
    RestoreEngine engine(rc, *store_);
    auto res = engine.Run();
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, ErrorCode::kConflict);
    EXPECT_NE(res.error().message.find("topic=" + dst + " partition=0"), std::string::npos) << res.error().message;
    EXPECT_NE(res.error().message.find("1 records"), std::string::npos) << res.error().message;
    EXPECT_NE(res.error().message.find("allow-non-empty"), std::string::npos) << res.error().message;
    auto plan = engine.Plan();
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->problems.size(), 1u);
    EXPECT_FALSE(plan->entries.at(0).target_partition_empty);
    EXPECT_EQ(test::ReadTopic(dst)[0].size(), 1u) << "nothing may be written after a refusal";
  }
  rc.restore.allow_non_empty = true;
  RestoreEngine engine(rc, *store_);
  auto res = engine.Run();
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_TRUE(res->complete);
  auto got = test::ReadTopic(dst)[0];
  ASSERT_EQ(got.size(), 11u);
  for (int i = 0; i < 10; ++i) ExpectSameRecord(sent[i].record, got[i + 1], "record " + std::to_string(i));
  EXPECT_EQ(res->mapping.partitions.at(0).ranges, (std::vector<MappingRange>{{0, 1, 10}}));
}

// ---- The kafka-backup binary as a child process ----

struct Child {
  pid_t pid = -1;
  std::string out_file;
};

Child Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& out_file) {
  return {test::StartCli(args, out_file, env), out_file};
}

int Wait(const Child& c) { return test::WaitCli(c.pid); }

void ExpectExactlyOnce(const std::vector<Sent>& sent, std::map<int32_t, std::vector<Record>> got) {
  for (int32_t p = 0; p < 2; ++p) {
    std::vector<Record> want;
    for (const auto& s : sent)
      if (s.partition == p) want.push_back(s.record);
    ASSERT_EQ(got[p].size(), want.size()) << "partition " << p << ": duplicates or losses";
    for (size_t i = 0; i < want.size(); ++i) ExpectSameRecord(want[i], got[p][i], "partition " + std::to_string(p));
  }
}

class RestoreResumeTest : public RestoreEngineTest, public ::testing::WithParamInterface<int> {};

TEST_P(RestoreResumeTest, InterruptedRestoreResumesWithoutDuplicates) {
  const int signal_to_send = GetParam();
  std::string src = NewTopic("res-src", 2);
  std::string dst = Track(test::UniqueName("res-dst"));
  std::vector<Sent> sent;
  for (int i = 0; i < 2000; ++i) sent.push_back({i % 2, Rec(1764000000000 + i, "k" + std::to_string(i), "v" + std::to_string(i))});
  ProduceAll(src, sent);
  std::string bid = test::UniqueName("res");
  Backup(BackupConfig(bid, src, 4096), *store_);

  std::string yaml = dir_.string() + "/restore.yaml";
  auto write_yaml = [&](int rate) {
    std::ofstream(yaml) << "mode: restore\nbackup_id: " << bid << "\ntarget:\n  topics:\n    include: [" << src
                        << "]\nrestore:\n  create_topics: true\n  topic_mapping:\n    " << src << ": " << dst
                        << "\n  rate_limit_records_per_sec: " << rate
                        // One worker writes partition 1 while partition 0's last records may still be
                        // confirmed: the stop comes during partition 1.
                        << "\n  max_concurrent_partitions: 1\n";
  };
  write_yaml(400);
  std::vector<std::string> args{"restore", "--config", yaml, "--path", dir_.string(), "--bootstrap-servers",
                                test::RequireEnv("KB_BOOTSTRAP")};
  Child first = Spawn(args, {}, dir_.string() + "/first.out");
  std::this_thread::sleep_for(3500ms);
  kill(first.pid, signal_to_send);
  int code = Wait(first);
  if (signal_to_send == SIGTERM) EXPECT_EQ(code, 130) << test::ReadTextFile(first.out_file);
  else EXPECT_EQ(code, 128 + SIGKILL);
  size_t partial = 0;
  for (const auto& [p, recs] : test::ReadTopic(dst)) partial += recs.size();
  EXPECT_GT(partial, 0u);
  EXPECT_LT(partial, sent.size()) << "the first run should have been stopped mid-way";

  write_yaml(0);
  Child second = Spawn(args, {}, dir_.string() + "/second.out");
  EXPECT_EQ(Wait(second), 0) << test::ReadTextFile(second.out_file);
  if (std::getenv("KB_RESTORE_TEST_VERBOSE")) std::cerr << test::ReadTextFile(first.out_file) << test::ReadTextFile(second.out_file);
  EXPECT_NE(test::ReadTextFile(second.out_file).find("resumed"), std::string::npos) << test::ReadTextFile(second.out_file);
  ExpectExactlyOnce(sent, test::ReadTopic(dst));
  auto mapping = LoadOffsetMapping(*store_, bid);
  ASSERT_TRUE(mapping);
  EXPECT_EQ(mapping->partitions.at(0).ranges, (std::vector<MappingRange>{{0, 0, 1000}}));
  EXPECT_EQ(mapping->partitions.at(1).ranges, (std::vector<MappingRange>{{0, 0, 1000}}));
}

INSTANTIATE_TEST_SUITE_P(Signals, RestoreResumeTest, ::testing::Values(SIGKILL, SIGTERM),
                         [](const auto& info) { return info.param == SIGKILL ? std::string("Kill9") : std::string("Sigterm"); });

// The seed's step 7 with MinIO storage: restore --config restore-pitr.yaml --time-window-end T.
TEST_F(RestoreEngineTest, SeedRestorePitrYamlWithTimeWindowEndAgainstMinio) {
  std::string endpoint = test::RequireEnv("KB_S3_ENDPOINT");
  std::string bucket = test::RequireEnv("KB_S3_BUCKET");
  std::string prefix = test::UniqueName("restore-seed");
  StorageConfig sc;
  sc.backend = StorageBackendKind::kS3;
  sc.bucket = bucket;
  sc.prefix = prefix;
  sc.endpoint = endpoint;
  sc.region = test::RequireEnv("KB_S3_REGION");
  sc.access_key = test::RequireEnv("KB_S3_ACCESS_KEY");
  sc.secret_key = test::RequireEnv("KB_S3_SECRET_KEY");
  auto s3 = OpenObjectStore(sc);
  ASSERT_TRUE(s3) << s3.error().ToString();

  std::string topic = NewTopic("payments", 1);
  const int64_t T = 1764000000000;
  std::vector<Sent> sent;
  for (int i = 0; i < 50; ++i) sent.push_back({0, Rec(T - 100 + i, "p" + std::to_string(i), "amount=" + std::to_string(i))});
  sent.push_back({0, Rec(T - 1, "edge-1", "before")});
  sent.push_back({0, Rec(T, "edge0", "at")});
  sent.push_back({0, Rec(T + 1, "edge+1", "after")});
  for (int i = 0; i < 20; ++i) sent.push_back({0, Rec(T + 10 + i, "late" + std::to_string(i), "late")});
  ProduceAll(topic, sent);
  Backup(BackupConfig("pitr-backup", topic), **s3);
  // Disaster: the topic is lost and recreated empty.
  ASSERT_TRUE(admin_->DeleteTopic(topic));
  ASSERT_TRUE(admin_->CreateTopic(topic, 1, 1));

  std::string yaml = test::ReadTextFile(std::string(KB_SOURCE_DIR) + "/examples/restore-pitr.yaml");
  ASSERT_FALSE(yaml.empty());
  // Consumer-offset reset is another command's work; this test covers the restore itself.
  auto pos = yaml.find("reset_consumer_offsets: true");
  ASSERT_NE(pos, std::string::npos);
  yaml.replace(pos, std::string("reset_consumer_offsets: true").size(), "reset_consumer_offsets: false");
  std::string yaml_path = dir_.string() + "/restore-pitr.yaml";
  std::ofstream(yaml_path) << yaml;

  Child c = Spawn({"restore", "--config", yaml_path, "--time-window-end", std::to_string(T), "--bootstrap-servers",
                   test::RequireEnv("KB_BOOTSTRAP"), "--format", "json"},
                  {{"KAFKA_BACKUP_PATH", "s3://" + bucket + "/" + prefix}, {"AWS_ENDPOINT_URL", endpoint},
                   {"AWS_REGION", sc.region}, {"AWS_ACCESS_KEY_ID", sc.access_key},
                   {"AWS_SECRET_ACCESS_KEY", sc.secret_key}},
                  dir_.string() + "/seed.out");
  int code = Wait(c);
  std::string out = test::ReadTextFile(c.out_file);
  ASSERT_EQ(code, 0) << out;
  auto got = test::ReadTopic(topic)[0];
  std::vector<Record> want;
  for (const auto& s : sent)
    if (s.record.timestamp <= T) want.push_back(s.record);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    // header-based strategy: the three x-original-* headers follow the record's own.
    Record w = want[i];
    w.headers.push_back({"x-original-offset", std::to_string(i)});
    w.headers.push_back({"x-original-partition", "0"});
    w.headers.push_back({"x-original-timestamp", std::to_string(want[i].timestamp)});
    ExpectSameRecord(w, got[i], "record " + std::to_string(i));
  }
  EXPECT_EQ(got.back().key, "edge0");
  auto mapping = LoadOffsetMapping(**s3, "pitr-backup");
  ASSERT_TRUE(mapping) << mapping.error().ToString();
  EXPECT_EQ(mapping->time_window_end, T);
}

TEST_F(RestoreEngineTest, ValidateRestoreAndDryRunPrintThePlanAndWriteNothing) {
  std::string src = NewTopic("cli-src", 1);
  std::string dst = test::UniqueName("cli-dst");
  ProduceAll(src, {{0, Rec(1764000000000, "a", "1")}, {0, Rec(1764000000005, "b", "2")}, {0, Rec(1764000000009, "c", "3")}});
  std::string bid = test::UniqueName("cli");
  Backup(BackupConfig(bid, src), *store_);
  std::string yaml = dir_.string() + "/r.yaml";
  auto write_yaml = [&](bool create) {
    std::ofstream(yaml) << "mode: restore\nbackup_id: " << bid << "\ntarget:\n  topics:\n    include: [" << src
                        << "]\nrestore:\n  create_topics: " << (create ? "true" : "false") << "\n  topic_mapping:\n    "
                        << src << ": " << dst << "\n";
  };
  std::vector<std::string> common{"--config", yaml, "--path", dir_.string(), "--bootstrap-servers",
                                  test::RequireEnv("KB_BOOTSTRAP")};
  auto run = [&](std::vector<std::string> args, const std::string& name) {
    args.insert(args.end(), common.begin(), common.end());
    Child c = Spawn(args, {}, dir_.string() + "/" + name);
    int code = Wait(c);
    return std::make_pair(code, test::ReadTextFile(c.out_file));
  };
  write_yaml(false);
  auto [code, out] = run({"validate-restore"}, "validate.out");
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("PROBLEM: target topic '" + dst + "' does not exist"), std::string::npos) << out;

  write_yaml(true);
  auto [code2, out2] = run({"restore", "--dry-run", "--format", "json", "--time-window-end", "1764000000005"}, "dry.out");
  ASSERT_EQ(code2, 0) << out2;
  auto plan = nlohmann::json::parse(out2.substr(out2.find('{')));
  EXPECT_EQ(plan["records"].get<uint64_t>(), 2u);
  EXPECT_TRUE(plan["problems"].empty());
  auto exists = admin_->TopicExists(dst);
  ASSERT_TRUE(exists);
  EXPECT_FALSE(*exists) << "a dry run must not create topics";
  auto listed = store_->List(format::RestorePrefix(bid));
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty()) << "a dry run must not write to storage";

  Track(dst);
  auto [code3, out3] = run({"restore"}, "restore.out");
  ASSERT_EQ(code3, 0) << out3;
  Child m = Spawn({"show-offset-mapping", "--path", dir_.string(), "--backup-id", bid, "--format", "csv"}, {},
                  dir_.string() + "/map.out");
  ASSERT_EQ(Wait(m), 0);
  std::string csv = test::ReadTextFile(m.out_file);
  EXPECT_NE(csv.find(src + ",0," + dst + ",0,0,0,3"), std::string::npos) << csv;
}

// purge_topics: the target is deleted and recreated (its partition count kept, the source's captured
// configs applied), so it holds exactly the backup's records, from offset 0, and nothing of before.
TEST_F(RestoreEngineTest, PurgeTopicsReplacesTheTargetWithExactlyTheBackup) {
  std::string src = NewTopic("purge-src", 1, {{"retention.ms", "123456789"}});
  std::string dst = NewTopic("purge-dst", 2);
  std::vector<Sent> sent;
  for (int i = 0; i < 10; ++i) sent.push_back({0, Rec(1764000000000 + i, "k" + std::to_string(i), "v" + std::to_string(i))});
  ProduceAll(src, sent);
  ProduceAll(dst, {{0, Rec(1764000000000, "old", "old-0")}, {0, Rec(1764000000001, "old", "old-1")},
                   {1, Rec(1764000000002, "old", "old-2")}});
  std::string bid = test::UniqueName("purge");
  Backup(BackupConfig(bid, src), *store_);

  Config rc = RestoreConfig(bid, src, dst);
  rc.restore.purge_topics = true;
  RestoreEngine engine(rc, *store_);
  auto res = engine.Run();
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_TRUE(res->complete);
  auto got = test::ReadTopic(dst);
  ASSERT_EQ(got.size(), 2u) << "the purged topic keeps its partition count";
  ASSERT_EQ(got[0].size(), 10u);
  EXPECT_TRUE(got[1].empty()) << "records written before the purge must be gone";
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got[0][i].offset, i);
    ExpectSameRecord(sent[i].record, got[0][i], "record " + std::to_string(i));
  }
  EXPECT_EQ(res->mapping.partitions.at(0).ranges, (std::vector<MappingRange>{{0, 0, 10}}));
  auto cfg = admin_->DescribeTopicConfigs(dst);
  ASSERT_TRUE(cfg) << cfg.error().ToString();
  EXPECT_EQ(cfg->configs["retention.ms"], "123456789") << "the recreated topic carries the captured configs";
}

// The binary's --allow-non-empty flag: without it a non-empty target is refused with a message
// naming the flag and nothing is written; with it the backup is appended after what was there.
TEST_F(RestoreEngineTest, AllowNonEmptyFlagOfTheBinary) {
  std::string src = NewTopic("ane-src", 1);
  std::string dst = NewTopic("ane-dst", 1);
  std::vector<Sent> sent;
  for (int i = 0; i < 5; ++i) sent.push_back({0, Rec(1764000000000 + i, "k", "v" + std::to_string(i))});
  ProduceAll(src, sent);
  ProduceAll(dst, {{0, Rec(1764000000000, "old", "old")}});
  std::string bid = test::UniqueName("ane");
  Backup(BackupConfig(bid, src), *store_);
  std::string config = (dir_ / "restore.yaml").string();
  std::ofstream(config) << "mode: restore\nbackup_id: " << bid << "\n"
                        << "target:\n  bootstrap_servers: [" << test::RequireEnv("KB_BOOTSTRAP") << "]\n"
                        << "  topics: [" << src << "]\n"
                        << "storage:\n  backend: filesystem\n  path: " << dir_.string() << "\n"
                        << "restore:\n  topic_mapping:\n    " << src << ": " << dst << "\n";
  std::string log = (dir_ / "cli.log").string();
  int refused = test::RunCli({"restore", "--config", config}, log);
  std::string out = test::ReadTextFile(log);
  EXPECT_NE(refused, 0) << out;
  EXPECT_NE(out.find("allow-non-empty"), std::string::npos) << out;
  EXPECT_EQ(test::ReadTopic(dst)[0].size(), 1u) << "nothing may be written after a refusal";

  int rc = test::RunCli({"restore", "--config", config, "--allow-non-empty"}, log);
  out = test::ReadTextFile(log);
  ASSERT_EQ(rc, 0) << out;
  auto got = test::ReadTopic(dst)[0];
  ASSERT_EQ(got.size(), 6u) << out;
  EXPECT_EQ(got[0].value, "old");
  for (int i = 0; i < 5; ++i) ExpectSameRecord(sent[i].record, got[i + 1], "record " + std::to_string(i));
}

}  // namespace
}  // namespace kb
