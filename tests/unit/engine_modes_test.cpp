// The engines' modes and options through MemoryKafka and MemoryStore: snapshot and continuous
// backups, backup.start_offset, storage lost part way through a backup, and the restore's topic and
// partition mapping, partition selection and repartitioning. Each test says exactly which records
// were backed up, or restored where; engine_test.cpp covers the default paths.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "backup/backup_engine.h"
#include "catalog/catalog_reader.h"
#include "config/config.h"
#include "core/stop.h"
#include "format/object_keys.h"
#include "restore/murmur2.h"
#include "restore/restore_engine.h"
#include "storage/backend.h"
#include "support/backup_fixture.h"
#include "support/engine_fixture.h"
#include "support/memory_kafka.h"

namespace kb {
namespace {

using namespace std::chrono_literals;
using test::ExpectSameRecords;
using test::Join;
using test::MemoryKafka;
using test::ReadBackup;
using test::Rec;
using Spans = std::vector<std::pair<int64_t, int64_t>>;

// Appends `n` records to a partition; each value names its topic, partition and offset.
void Fill(MemoryKafka& kafka, const std::string& topic, int32_t partition, int n) {
  const int64_t end = kafka.Watermarks(topic, partition).high;
  for (int64_t o = end; o < end + n; ++o) {
    const std::string at = std::to_string(partition) + "/" + std::to_string(o);
    kafka.Append(topic, partition, Rec(1000 + o, "key-" + at, topic + "/" + at));
  }
}

// The records of `records` from index `from` on.
std::vector<Record> From(const std::vector<Record>& records, size_t from) {
  return {records.begin() + static_cast<std::ptrdiff_t>(std::min(from, records.size())), records.end()};
}

// (first offset, last offset) of each segment of a partition in the backup's manifest.
Spans SegmentSpans(ObjectStore& store, const std::string& topic, int32_t partition) {
  Spans out;
  auto m = LoadManifest(store, "b1");
  EXPECT_TRUE(m) << m.error().ToString();
  const auto* t = m ? m->FindTopic(topic) : nullptr;
  const auto* p = t ? t->FindPartition(partition) : nullptr;
  EXPECT_TRUE(p) << "no topic=" << topic << " partition=" << partition << " in the manifest";
  if (p)
    for (const auto& s : p->segments) out.emplace_back(s.first_offset, s.last_offset);
  return out;
}

// Each partition's resume checkpoint (next_offset) in the backup's manifest; a partition the
// backup does not hold (yet) is missing.
std::map<std::pair<std::string, int32_t>, int64_t> Checkpoints(ObjectStore& store) {
  std::map<std::pair<std::string, int32_t>, int64_t> out;
  auto m = LoadManifest(store, "b1");
  if (!m) return out;  // before the first commit there is no backup to read
  for (const auto& t : m->topics)
    for (const auto& p : t.partitions) out[{t.name, p.partition}] = p.next_offset;
  return out;
}

// Storage that is lost part way through a backup: every segment that starts at or past offset
// `from` fails to be written; catalog, lease and everything else go through. Chosen by offset,
// not by call count, because segments are written in the background, several at once, in no
// fixed order.
class SegmentsFailFrom : public ObjectStore {
 public:
  SegmentsFailFrom(ObjectStore& inner, int64_t from) : inner_(inner), from_(from) {}

  Status Put(const std::string& key, const std::string& data) override {
    int64_t first = 0, last = 0;
    if (format::ParseSegmentKey(key, &first, &last) && first >= from_) {
      failed_++;
      return Fail(ErrorCode::kUnavailable, "cannot write " + key + ": storage is gone (injected fault)");
    }
    return inner_.Put(key, data);
  }
  Result<std::string> Get(const std::string& key) override { return inner_.Get(key); }
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    return inner_.GetRange(key, offset, length);
  }
  using ObjectStore::List;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix, const ListOptions& options) override {
    return inner_.List(prefix, options);
  }
  Result<DeleteResult> Delete(const std::string& key) override { return inner_.Delete(key); }
  Result<uint64_t> Size(const std::string& key) override { return inner_.Size(key); }
  std::string Describe() const override {
    return "segments-fail-from-" + std::to_string(from_) + "(" + inner_.Describe() + ")";
  }

  int failed() const { return failed_; }

 private:
  ObjectStore& inner_;
  const int64_t from_;
  std::atomic<int> failed_{0};
};

class EngineModes : public test::EngineMemoryKafka {
 protected:
  // Topic "orders" with `partitions` partitions, partition p holding 4 + p records, backed up.
  void BackUpOrders(int32_t partitions) {
    source_.CreateTopic("orders", partitions);
    for (int32_t p = 0; p < partitions; ++p) Fill(source_, "orders", p, 4 + p);
    Backup(BackupConfig());
  }
};

// (source offset, target offset) pairs of a partition restored whole into an empty one.
Spans Identity(int64_t n) {
  Spans out;
  for (int64_t i = 0; i < n; ++i) out.emplace_back(i, i);
  return out;
}

TEST_F(EngineModes, ASnapshotEndsAtTheEndOffsetsCapturedBeforeReading) {
  source_.CreateTopic("orders", 2);
  Fill(source_, "orders", 0, 5);
  Fill(source_, "orders", 1, 3);
  const std::vector<Record> p0 = source_.Records("orders", 0), p1 = source_.Records("orders", 1);
  const Config config = BackupConfig("  stop_at_current_offsets: true\n  segment_max_records: 2\n");

  int started = 0;
  BackupHooks hooks;
  // Runs once the end offsets are captured and before any record is read: these arrive "during" the backup.
  hooks.started = [&] {
    ++started;
    Fill(source_, "orders", 0, 4);
    Fill(source_, "orders", 1, 4);
  };
  BackupSummary first = Backup(config, hooks);
  EXPECT_EQ(started, 1);
  EXPECT_EQ(first.mode, "snapshot");
  EXPECT_FALSE(first.interrupted);
  EXPECT_EQ(first.records, 8u);
  EXPECT_EQ(first.segments, 5u);  // 2 + 2 + 1 and 2 + 1
  ASSERT_EQ(source_.Watermarks("orders", 0).high, 9);
  ASSERT_EQ(source_.Watermarks("orders", 1).high, 7);
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 0), p0);
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 1), p1);
  auto manifest = LoadManifest(*store_, "b1");
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  EXPECT_EQ(manifest->mode, "snapshot");
  EXPECT_EQ(manifest->status, "complete");
  const auto* t = manifest->FindTopic("orders");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->FindPartition(0)->next_offset, 5);
  EXPECT_EQ(t->FindPartition(0)->end_offset_at_start, 5);
  EXPECT_EQ(t->FindPartition(1)->next_offset, 3);
  EXPECT_EQ(t->FindPartition(1)->end_offset_at_start, 3);
  EXPECT_EQ(SegmentSpans(*store_, "orders", 0), (Spans{{0, 1}, {2, 3}, {4, 4}}));

  // The next snapshot takes what arrived since, each record once.
  BackupSummary second = Backup(config);
  EXPECT_EQ(second.records, 8u);
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 0), source_.Records("orders", 0));
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 1), source_.Records("orders", 1));
}

TEST_F(EngineModes, AContinuousBackupFollowsNewRecordsAndNewMatchingTopicsUntilStopped) {
  source_.CreateTopic("orders", 2);
  source_.CreateTopic("payments", 1);  // matches no include pattern: never backed up
  Fill(source_, "orders", 0, 3);
  Fill(source_, "orders", 1, 3);
  Fill(source_, "payments", 0, 2);
  const Config config = BackupConfig(
      "  continuous: true\n  topic_refresh_interval_ms: 100\n  segment_max_interval_ms: 100\n  poll_interval_ms: 10\n",
      "orders*");

  std::promise<void> planned;
  BackupHooks hooks;
  hooks.started = [&] { planned.set_value(); };
  Result<BackupSummary> summary = Fail(ErrorCode::kInternal, "the backup did not return");
  std::thread runner([&] { summary = BackupEngine(config, *store_, source_, hooks).Run(); });
  // However the test ends, the backup is stopped and joined (the fixture's TearDown resets the stop).
  struct StopAndJoin {
    std::thread& t;
    ~StopAndJoin() {
      if (!t.joinable()) return;
      RequestStop();
      t.join();
    }
  } guard{runner};
  ASSERT_EQ(planned.get_future().wait_for(5s), std::future_status::ready) << "the backup did not start";

  // Both after planning: records past the end offsets seen at start, and a topic it did not see.
  Fill(source_, "orders", 0, 2);
  Fill(source_, "orders", 1, 2);
  source_.CreateTopic("orders-eu", 3);
  for (int32_t p = 0; p < 3; ++p) Fill(source_, "orders-eu", p, p + 1);
  const std::vector<std::pair<std::string, int32_t>> followed = {
      {"orders", 0}, {"orders", 1}, {"orders-eu", 0}, {"orders-eu", 1}, {"orders-eu", 2}};
  std::map<std::pair<std::string, int32_t>, int64_t> want;
  for (const auto& [topic, p] : followed) want[{topic, p}] = source_.Watermarks(topic, p).high;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (Checkpoints(*store_) != want && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(Checkpoints(*store_), want) << "the backup did not catch up within 5 s";

  RequestStop();
  runner.join();
  ASSERT_TRUE(summary) << summary.error().ToString();
  EXPECT_TRUE(summary->errors.empty()) << Join(summary->errors);
  EXPECT_EQ(summary->mode, "continuous");
  EXPECT_TRUE(summary->interrupted);  // set when stopped; for a continuous backup that is its normal end
  EXPECT_EQ(summary->topics, 2);
  EXPECT_EQ(summary->partitions, 5);
  EXPECT_EQ(summary->records, 16u);  // 5 + 5 + 1 + 2 + 3
  EXPECT_EQ(summary->gaps, 0u);
  for (const auto& [topic, p] : followed)
    EXPECT_EQ(ReadBackup(*store_, "b1", topic, p), source_.Records(topic, p)) << topic << " partition " << p;
  auto manifest = LoadManifest(*store_, "b1");
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  EXPECT_EQ(manifest->status, "complete");
  std::vector<std::string> topics;
  for (const auto& t : manifest->topics) topics.push_back(t.name);
  EXPECT_EQ(topics, (std::vector<std::string>{"orders", "orders-eu"}));
  EXPECT_EQ(manifest->FindTopic("orders-eu")->partition_count, 3);
}

TEST_F(EngineModes, StartOffsetLatestBacksUpOnlyWhatArrivesAfterTheFirstRun) {
  source_.CreateTopic("orders", 2);
  Fill(source_, "orders", 0, 5);
  Fill(source_, "orders", 1, 5);
  const Config config = BackupConfig("  start_offset: latest\n");
  BackupSummary first = Backup(config);
  EXPECT_EQ(first.records, 0u);
  EXPECT_EQ(first.segments, 0u);
  EXPECT_EQ(first.partitions, 2);
  using Heads = std::map<std::pair<std::string, int32_t>, int64_t>;
  EXPECT_EQ(Checkpoints(*store_), (Heads{{{"orders", 0}, 5}, {{"orders", 1}, 5}}));  // started at the end
  EXPECT_TRUE(ReadBackup(*store_, "b1", "orders", 0).empty());

  Fill(source_, "orders", 0, 3);
  Fill(source_, "orders", 1, 3);
  // A partition the backup holds resumes at its checkpoint: start_offset is for new partitions only.
  BackupSummary second = Backup(config);
  EXPECT_EQ(second.records, 6u);
  for (int32_t p = 0; p < 2; ++p)
    EXPECT_EQ(ReadBackup(*store_, "b1", "orders", p), From(source_.Records("orders", p), 5)) << "partition " << p;
  EXPECT_EQ(Checkpoints(*store_), (Heads{{{"orders", 0}, 8}, {{"orders", 1}, 8}}));
}

TEST_F(EngineModes, StartOffsetNumberStartsEachNewPartitionThereOrAtItsLogStart) {
  source_.CreateTopic("orders", 3);
  Fill(source_, "orders", 0, 10);
  Fill(source_, "orders", 1, 10);
  source_.DeleteRecordsBefore("orders", 1, 6);  // the log starts past offset 3
  Fill(source_, "orders", 2, 2);                // the log ends before offset 3
  const Config config = BackupConfig("  start_offset: 3\n");
  BackupSummary first = Backup(config);
  EXPECT_EQ(first.records, 11u);  // 3..9 of partition 0, 6..9 of partition 1, none of partition 2
  EXPECT_EQ(first.gaps, 0u);      // what lies before the start is not missing
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 0), From(source_.Records("orders", 0), 3));
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 1), source_.Records("orders", 1));  // all of 6..9
  EXPECT_TRUE(ReadBackup(*store_, "b1", "orders", 2).empty());
  using Heads = std::map<std::pair<std::string, int32_t>, int64_t>;
  EXPECT_EQ(Checkpoints(*store_), (Heads{{{"orders", 0}, 10}, {{"orders", 1}, 10}, {{"orders", 2}, 3}}));
  EXPECT_EQ(SegmentSpans(*store_, "orders", 1), (Spans{{6, 9}}));

  // Partition 2's backup starts at offset 3 once the partition gets there; offset 2 is before the start.
  Fill(source_, "orders", 2, 3);  // offsets 2, 3, 4
  BackupSummary second = Backup(config);
  EXPECT_EQ(second.records, 2u);
  EXPECT_EQ(second.gaps, 0u);
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 2), From(source_.Records("orders", 2), 3));
  EXPECT_EQ(SegmentSpans(*store_, "orders", 2), (Spans{{3, 4}}));
}

TEST_F(EngineModes, ABackupWhoseStorageFailsPartWayCommitsNothingPastTheLossAndARerunCompletesIt) {
  source_.CreateTopic("orders", 1);
  Fill(source_, "orders", 0, 20);
  const Config config = BackupConfig("  segment_max_records: 4\n");

  SegmentsFailFrom failing(*store_, 8);  // segments 0..3 and 4..7 are stored, none after them
  auto failed = BackupEngine(config, failing, source_).Run();
  ASSERT_TRUE(failed) << failed.error().ToString();  // it started: the failure is in the summary
  ASSERT_FALSE(failed->errors.empty());
  EXPECT_NE(Join(failed->errors).find("cannot store segment b1/topics/orders/0/00000000000000000008-"),
            std::string::npos)
      << Join(failed->errors);
  EXPECT_GE(failing.failed(), 1);
  EXPECT_EQ(failed->segments, 2u);
  auto manifest = LoadManifest(*store_, "b1");
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  EXPECT_EQ(manifest->status, "in_progress");  // never marked complete
  const format::PartitionManifest* pm = manifest->FindTopic("orders")->FindPartition(0);
  ASSERT_TRUE(pm);
  EXPECT_EQ(pm->next_offset, 8);
  EXPECT_EQ(SegmentSpans(*store_, "orders", 0), (Spans{{0, 3}, {4, 7}}));
  const std::vector<Record> all = source_.Records("orders", 0);
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 0), std::vector<Record>(all.begin(), all.begin() + 8));

  // Storage is back: the rerun reads from the checkpoint, so the lost records come back once.
  BackupSummary rerun = Backup(config);
  EXPECT_EQ(rerun.records, 12u);
  EXPECT_EQ(rerun.segments, 3u);
  EXPECT_EQ(ReadBackup(*store_, "b1", "orders", 0), all);
  EXPECT_EQ(SegmentSpans(*store_, "orders", 0), (Spans{{0, 3}, {4, 7}, {8, 11}, {12, 15}, {16, 19}}));
  auto done = LoadManifest(*store_, "b1");
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->status, "complete");
}

TEST_F(EngineModes, TopicMappingRenamesAndPartitionMappingMovesEachSourcePartition) {
  BackUpOrders(3);
  RestoreResult result = Restore(RestoreConfig("  topic_mapping:\n    orders: orders-restored\n"
                                                "  partition_mapping:\n    0: 2\n    2: 0\n"));
  ASSERT_TRUE(result.complete) << Join(result.errors);
  EXPECT_EQ(result.records, 15u);  // 4 + 5 + 6
  auto admin = target_.CreateAdmin(test::MemoryClient());
  ASSERT_TRUE(admin);
  EXPECT_EQ(*(*admin)->ListTopics(), std::vector<std::string>{"orders-restored"});  // nothing under the old name
  EXPECT_EQ((*admin)->DescribeTopicConfigs("orders-restored")->partition_count, 3);
  const std::map<int32_t, int32_t> moved = {{0, 2}, {1, 1}, {2, 0}};  // an unmapped partition keeps its number
  for (const auto& [from, to] : moved) {
    const std::string where = "source partition " + std::to_string(from) + " -> " + std::to_string(to);
    ExpectSameRecords(source_.Records("orders", from), target_.Records("orders-restored", to), where);
    const PartitionMapping* pm = result.mapping.Find("orders", from);
    ASSERT_TRUE(pm) << where;
    EXPECT_EQ(pm->target_topic, "orders-restored") << where;
    EXPECT_EQ(pm->target_partition, to) << where;
    EXPECT_EQ(test::Pairs(result.mapping, "orders", from), Identity(4 + from)) << where;
  }
}

TEST_F(EngineModes, SourcePartitionsRestoresOnlyTheNamedPartitions) {
  BackUpOrders(3);
  RestoreResult result = Restore(RestoreConfig("  source_partitions: [0, 2]\n"));
  ASSERT_TRUE(result.complete) << Join(result.errors);
  EXPECT_EQ(result.partitions_total, 2u);
  EXPECT_EQ(result.partitions_complete, 2u);
  EXPECT_EQ(result.records, 10u);  // 4 + 6
  ExpectSameRecords(source_.Records("orders", 0), target_.Records("orders", 0), "partition 0");
  EXPECT_TRUE(target_.Records("orders", 1).empty());
  ExpectSameRecords(source_.Records("orders", 2), target_.Records("orders", 2), "partition 2");
  EXPECT_EQ(result.mapping.Find("orders", 1), nullptr);
  EXPECT_EQ(result.mapping.partitions.size(), 2u);
}

TEST_F(EngineModes, APartitionGoesIntoASmallerTopicOnlyThroughPartitionMapping) {
  BackUpOrders(3);
  target_.CreateTopic("orders", 1);

  // Unmapped, source partition 2 would go to target partition 2, which the topic does not have.
  const Config unmapped = RestoreConfig("  source_partitions: [2]\n");
  auto refused = RestoreEngine(unmapped, *store_, target_).Run();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(
      refused.error().message.find("would go to target topic=orders partition=2, but that topic has 1 partitions"),
      std::string::npos)
      << refused.error().message;
  EXPECT_TRUE(target_.Records("orders", 0).empty());

  RestoreResult result = Restore(RestoreConfig("  source_partitions: [2]\n  partition_mapping:\n    2: 0\n"));
  ASSERT_TRUE(result.complete) << Join(result.errors);
  EXPECT_EQ(result.partitions_total, 1u);
  EXPECT_EQ(result.records, 6u);
  ExpectSameRecords(source_.Records("orders", 2), target_.Records("orders", 0), "source partition 2 -> 0");
  EXPECT_EQ(test::Pairs(result.mapping, "orders", 2), Identity(6));
}

TEST_F(EngineModes, RepartitioningPutsEachKeyedRecordOnItsMurmur2PartitionInSourceOrder) {
  source_.CreateTopic("orders", 2);
  for (int32_t p = 0; p < 2; ++p) {
    const std::string prefix = "p" + std::to_string(p) + "-";  // tells the source partition apart in the target
    for (int i = 0; i < 16; ++i)
      source_.Append("orders", p, Rec(1000 + i, "user-" + std::to_string(100 * p + i), prefix + std::to_string(i)));
    source_.Append("orders", p, Rec(2000, std::nullopt, prefix + "unkeyed"));
  }
  Backup(BackupConfig());
  constexpr int32_t kTargetPartitions = 5;
  target_.CreateTopic("orders", kTargetPartitions);

  RestoreResult result = Restore(RestoreConfig("  repartitioning: true\n"));
  ASSERT_TRUE(result.complete) << Join(result.errors);
  EXPECT_EQ(result.records, 34u);

  // (target partition, source partition) -> its records, in source order. Two source partitions
  // are restored side by side, so only each one's own order is fixed within a target partition.
  using Landed = std::map<std::pair<int32_t, int32_t>, std::vector<Record>>;
  Landed want, got;
  for (int32_t p = 0; p < 2; ++p)
    for (const auto& r : source_.Records("orders", p)) {
      // Unkeyed records go to source partition % target partition count.
      const int32_t to = r.key ? KafkaPartitionForKey(*r.key, kTargetPartitions) : p % kTargetPartitions;
      want[{to, p}].push_back(r);
    }
  for (int32_t t = 0; t < kTargetPartitions; ++t)
    for (const auto& r : target_.Records("orders", t)) got[{t, r.value->at(1) - '0'}].push_back(r);
  std::set<int32_t> used;
  for (const auto& [at, records] : want) used.insert(at.first);
  ASSERT_GE(used.size(), 3u) << "the keys do not spread: the test would prove little";
  std::vector<std::pair<int32_t, int32_t>> want_keys, got_keys;
  for (const auto& [at, records] : want) want_keys.push_back(at);
  for (const auto& [at, records] : got) got_keys.push_back(at);
  EXPECT_EQ(got_keys, want_keys);
  for (const auto& [at, records] : want)
    ExpectSameRecords(records, got[at], "target partition " + std::to_string(at.first) + " from source partition " +
                                            std::to_string(at.second));

  // A spread partition has no single position to translate a group's offset to.
  const PartitionMapping* pm = result.mapping.Find("orders", 0);
  ASSERT_TRUE(pm);
  EXPECT_EQ(pm->target_partition, -1);
  auto translated = result.mapping.Translate("orders", 0, 3);
  ASSERT_FALSE(translated);
  EXPECT_EQ(translated.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kb
