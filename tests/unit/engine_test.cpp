// The backup and restore engines end to end without a broker: MemoryKafka is the cluster and
// MemoryStore the storage, so rolling, resume, gaps, the PITR window, a broker lost mid-restore
// and the offset mapping are checked in milliseconds. The MemoryKafka tests first pin the fake to
// the client contracts (kafka/*.h) the engines rely on: a fake that drifts from them would make
// the engine tests prove nothing.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "backup/backup_engine.h"
#include "catalog/catalog_reader.h"
#include "catalog/documents.h"
#include "config/config.h"
#include "core/time_util.h"
#include "restore/murmur2.h"
#include "restore/restore_engine.h"
#include "restore/restore_worker.h"
#include "storage/memory_store.h"
#include "support/backup_fixture.h"
#include "support/engine_fixture.h"
#include "support/memory_kafka.h"
#include "workflow/backup_workflow.h"

namespace kb {
namespace {

using namespace std::chrono_literals;
using test::EngineMemoryKafka;
using test::ExpectSameRecords;
using test::Join;
using test::MemoryClient;
using test::MemoryKafka;
using test::Offsets;
using test::Pairs;
using test::Rec;
using Kind = kafka::ConsumerEvent::Kind;

// Source offsets 0..n-1 at target offsets 0..n-1, as Pairs lists them.
std::vector<std::pair<int64_t, int64_t>> Identity(int64_t n) {
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (int64_t i = 0; i < n; ++i) pairs.emplace_back(i, i);
  return pairs;
}

// Topic "orders" with `partitions` partitions of `records` records each: key "k", value "<p>-<i>".
void FillOrders(MemoryKafka& kafka, int32_t partitions, int records) {
  kafka.CreateTopic("orders", partitions);
  for (int32_t p = 0; p < partitions; ++p)
    for (int i = 0; i < records; ++i) kafka.Append("orders", p, Rec(1000 + i, "k", std::to_string(p) + "-" + std::to_string(i)));
}

// Events as (kind, offset): what a test of the consumer contract compares.
std::vector<std::pair<Kind, int64_t>> Shape(const Result<std::vector<kafka::ConsumerEvent>>& events) {
  std::vector<std::pair<Kind, int64_t>> out;
  EXPECT_TRUE(events) << events.error().ToString();
  if (events)
    for (const auto& ev : *events) out.emplace_back(ev.kind, ev.offset);
  return out;
}

TEST(MemoryKafka, ConsumerDeliversEveryFieldThenOneEofPerCatchUpAndStopsOutOfRange) {
  MemoryKafka kafka;
  kafka.CreateTopic("t", 1);
  Record r = Rec(7, std::nullopt, "", {{"h", std::nullopt}, {"h", "2"}});
  r.timestamp_type = TimestampType::kLogAppendTime;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(kafka.Append("t", 0, r), i);
  kafka::ConsumerOptions options;
  options.max_batch_records = 3;
  auto consumer = kafka.CreateConsumer(MemoryClient(), options);
  ASSERT_TRUE(consumer) << consumer.error().ToString();
  auto& c = **consumer;
  ASSERT_TRUE(c.Assign({{"t", 0, kafka::kOffsetBeginning}}));
  auto again = c.Assign({{"t", 0, 0}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.Assignment(), (std::vector<kafka::TopicPartition>{{"t", 0}}));

  auto first = c.Poll(50ms);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 3u);  // max_batch_records
  Record want = r;
  want.offset = 0;
  EXPECT_EQ(first->front().record, want);
  using E = std::vector<std::pair<Kind, int64_t>>;
  EXPECT_EQ(Shape(first), (E{{Kind::kRecord, 0}, {Kind::kRecord, 1}, {Kind::kRecord, 2}}));
  EXPECT_EQ(Shape(c.Poll(50ms)), (E{{Kind::kRecord, 3}, {Kind::kRecord, 4}, {Kind::kPartitionEof, 5}}));
  EXPECT_EQ(Shape(c.Poll(10ms)), E{});  // the end is told once per catch-up
  kafka.Append("t", 0, r);
  EXPECT_EQ(Shape(c.Poll(50ms)), (E{{Kind::kRecord, 5}, {Kind::kPartitionEof, 6}}));

  kafka.DeleteRecordsBefore("t", 0, 4);
  ASSERT_TRUE(c.Seek("t", 0, 1));
  EXPECT_EQ(Shape(c.Poll(50ms)), (E{{Kind::kOffsetOutOfRange, 1}}));
  EXPECT_EQ(Shape(c.Poll(10ms)), E{});  // stopped until Seek
  ASSERT_TRUE(c.Seek("t", 0, kafka::kOffsetBeginning));
  EXPECT_EQ(Shape(c.Poll(50ms)), (E{{Kind::kRecord, 4}, {Kind::kRecord, 5}, {Kind::kPartitionEof, 6}}));
  auto wm = c.QueryWatermarks("t", 0);
  ASSERT_TRUE(wm);
  EXPECT_EQ(wm->low, 4);
  EXPECT_EQ(wm->high, 6);
  EXPECT_EQ(c.Subscribe({"t"}).error().code, ErrorCode::kNotImplemented);
  ASSERT_TRUE(c.Unassign({{"t", 0}, {"other", 3}}));
  EXPECT_TRUE(c.Assignment().empty());
}

TEST(MemoryKafka, ProducerReportsEachRecordOnceAndFailsEveryRecordAfterAnInjectedFault) {
  MemoryKafka kafka;
  kafka.CreateTopic("t", 2);
  std::vector<kafka::DeliveryReport> reports;
  auto producer = kafka.CreateProducer(MemoryClient(), {}, [&](const kafka::DeliveryReport& d) { reports.push_back(d); });
  ASSERT_TRUE(producer) << producer.error().ToString();
  auto& p = **producer;
  EXPECT_EQ(p.Produce("t", 2, Rec(1, "k", "v")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(p.Produce("nope", 0, Rec(1, "k", "v")).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(p.PrepareTopic("t", 2));
  EXPECT_EQ(p.PrepareTopic("t", 3).error().code, ErrorCode::kNotFound);

  kafka.FailProducesAfter(2);
  for (uint64_t tag = 10; tag < 13; ++tag) ASSERT_TRUE(p.Produce("t", 1, Rec(-1, "k", "v", {{"a", "1"}}), tag, {{"x", "y"}}));
  EXPECT_EQ(p.outstanding(), 3u);
  EXPECT_TRUE(reports.empty());  // handed out by Poll or Flush only
  auto flushed = p.Flush(1s);
  ASSERT_FALSE(flushed);
  EXPECT_NE(flushed.error().message.find("1 record(s) were not delivered"), std::string::npos) << flushed.error().message;
  EXPECT_NE(flushed.error().message.find("topic=t partition=1"), std::string::npos) << flushed.error().message;
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].offset, 0);
  EXPECT_EQ(reports[1].offset, 1);
  EXPECT_EQ(reports[2].offset, -1);
  EXPECT_TRUE(reports[2].error.has_value());
  EXPECT_EQ(reports[2].tag, 12u);
  auto d = p.deliveries().at({"t", 1});
  EXPECT_EQ(d.delivered, 2u);
  EXPECT_EQ(d.failed, 1u);
  EXPECT_EQ(d.last_offset, 1);
  EXPECT_EQ(d.last_tag, 11u);
  EXPECT_EQ(p.outstanding(), 0u);
  EXPECT_TRUE(p.first_error());

  auto stored = kafka.Records("t", 1);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].headers, (std::vector<RecordHeader>{{"a", "1"}, {"x", "y"}}));  // the record's, then extra
  EXPECT_GT(stored[0].timestamp, 0);  // -1: the produce time
  EXPECT_EQ(p.BeginTransaction().error().code, ErrorCode::kNotImplemented);
}

TEST(MemoryKafka, AdminAnswersTopicOffsetAndGroupCallsLikeOneBroker) {
  MemoryKafka kafka;
  auto made = kafka.CreateAdmin(MemoryClient());
  ASSERT_TRUE(made);
  auto& admin = **made;
  ASSERT_TRUE(admin.CreateTopic("t", 2, -1, {{"retention.ms", "1000"}}));
  EXPECT_EQ(admin.CreateTopic("t", 2, -1).error().code, ErrorCode::kAlreadyExists);
  ASSERT_TRUE(admin.CreateTopic("__consumer_offsets", 1, 1));
  EXPECT_EQ(*admin.ListTopics(), std::vector<std::string>{"t"});
  EXPECT_EQ(*admin.ListTopics(true), (std::vector<std::string>{"__consumer_offsets", "t"}));
  EXPECT_TRUE(admin.Metadata()->topics.at("__consumer_offsets").internal);
  EXPECT_EQ(admin.Metadata()->cluster_id, "memory-cluster");
  EXPECT_EQ(admin.DescribeTopic("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(admin.DeleteTopic("nope").error().code, ErrorCode::kNotFound);
  auto desc = admin.DescribeTopicConfigs("t");
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->partition_count, 2);
  EXPECT_EQ(desc->replication_factor, 1);
  EXPECT_EQ(desc->configs, (std::map<std::string, std::string>{{"retention.ms", "1000"}}));

  for (int64_t ts : {100, 300, 200}) kafka.Append("t", 0, Rec(ts, "k", "v"));
  using ByPartition = std::map<int32_t, int64_t>;
  EXPECT_EQ(*admin.OffsetsForTimes("t", {{0, 100}, {1, 0}}), (ByPartition{{0, 0}, {1, -1}}));
  EXPECT_EQ(*admin.OffsetsForTimes("t", {{0, 150}}), (ByPartition{{0, 1}}));
  EXPECT_EQ(*admin.OffsetsForTimes("t", {{0, 301}}), (ByPartition{{0, -1}}));
  EXPECT_EQ(*admin.DeleteRecords("t", {{0, 2}}), (ByPartition{{0, 2}}));
  EXPECT_EQ(admin.Watermarks("t", 0)->low, 2);
  EXPECT_EQ(admin.Watermarks("t", 0)->high, 3);
  EXPECT_FALSE(admin.DeleteRecords("t", {{0, 9}}));

  EXPECT_EQ(admin.DescribeConsumerGroup("g")->state, kafka::GroupState::kDead);
  auto altered = admin.AlterGroupOffsets("g", {{"t", 1, 0, ""}, {"t", 0, 2, "m"}, {"nope", 0, 1, ""}});
  ASSERT_TRUE(altered);
  ASSERT_EQ(altered->size(), 3u);
  EXPECT_FALSE((*altered)[0].error);
  ASSERT_TRUE((*altered)[2].error);
  EXPECT_EQ((*altered)[2].error->code, ErrorCode::kNotFound);
  auto listed = admin.ListGroupOffsets("g");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);  // sorted by topic, partition
  EXPECT_EQ((*listed)[0].partition, 0);
  EXPECT_EQ((*listed)[0].offset, 2);
  EXPECT_EQ((*listed)[0].metadata, "m");
  EXPECT_EQ((*listed)[1].partition, 1);
  auto described = admin.DescribeConsumerGroup("g");
  EXPECT_EQ(described->state, kafka::GroupState::kEmpty);
  EXPECT_TRUE(described->members.empty());
  ASSERT_EQ(admin.ListConsumerGroups()->size(), 1u);
  ASSERT_TRUE(admin.DeleteGroupOffsets("g", {{"t", 0}}));
  EXPECT_EQ(admin.ListGroupOffsets("g")->size(), 1u);
  ASSERT_TRUE(admin.DeleteConsumerGroup("g"));
  EXPECT_EQ(admin.DescribeConsumerGroup("g")->state, kafka::GroupState::kDead);
  EXPECT_EQ(admin.DeleteConsumerGroup("g").error().code, ErrorCode::kNotFound);

  kafka.FailNextAdminCalls(1);
  EXPECT_EQ(admin.Metadata().error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(admin.Metadata());
}

TEST_F(EngineMemoryKafka, BackupAndRestoreKeepEveryFieldOfEveryPartitionInOrder) {
  source_.CreateTopic("orders", 3, {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}});
  for (int32_t p = 0; p < 3; ++p) {
    const std::string n = std::to_string(p);
    std::vector<Record> records = {
        Rec(1000 + p, std::nullopt, "value-" + n),  // null key
        Rec(900, "", std::nullopt),                 // empty key, null value (a tombstone), older than the one before
        Rec(1100, "k" + n, "", {{"h", "1"}, {"h", "2"}, {"nil", std::nullopt}, {"empty", ""}}),
        Rec(5, std::nullopt, std::nullopt),         // far out of timestamp order
        Rec(2000, "k" + n, std::string("bin\0ary", 7)),
    };
    for (int i = 0; i < p; ++i) records.push_back(Rec(3000 + i, "extra", "x"));  // partitions differ in length
    for (auto& r : records) source_.Append("orders", p, r);
  }

  BackupSummary summary = Backup(BackupConfig());
  EXPECT_EQ(summary.records, 18u);
  EXPECT_EQ(summary.partitions, 3);
  EXPECT_EQ(summary.gaps, 0u);
  for (int32_t p = 0; p < 3; ++p)
    EXPECT_EQ(test::ReadBackup(*store_, "b1", "orders", p), source_.Records("orders", p)) << "partition " << p;

  RestoreResult result = Restore(RestoreConfig());
  ASSERT_TRUE(result.complete) << Join(result.errors);
  EXPECT_EQ(result.records, 18u);
  EXPECT_EQ(result.partitions_complete, 3u);
  for (int32_t p = 0; p < 3; ++p) {
    auto restored = target_.Records("orders", p);
    ExpectSameRecords(source_.Records("orders", p), restored, "partition " + std::to_string(p));
    EXPECT_EQ(Offsets(restored), Offsets(source_.Records("orders", p)));  // a new topic starts at 0, like the source
  }
  // The topic was created with the source's shape and configs.
  auto admin = target_.CreateAdmin(MemoryClient());
  ASSERT_TRUE(admin);
  auto desc = (*admin)->DescribeTopicConfigs("orders");
  ASSERT_TRUE(desc) << desc.error().ToString();
  EXPECT_EQ(desc->partition_count, 3);
  EXPECT_EQ(desc->configs, (std::map<std::string, std::string>{{"cleanup.policy", "delete"}, {"retention.ms", "-1"}}));
}

TEST_F(EngineMemoryKafka, SegmentsRollAndASecondRunBacksUpOnlyTheNewRecords) {
  source_.CreateTopic("orders", 1);
  for (int i = 0; i < 10; ++i) source_.Append("orders", 0, Rec(1000 + i, "k" + std::to_string(i), "v"));
  Config config = BackupConfig("  segment_max_records: 3\n");
  BackupSummary first = Backup(config);
  EXPECT_EQ(first.records, 10u);
  EXPECT_EQ(first.segments, 4u);  // 3 + 3 + 3 + 1

  for (int i = 10; i < 15; ++i) source_.Append("orders", 0, Rec(1000 + i, "k" + std::to_string(i), "v"));
  BackupSummary second = Backup(config);
  EXPECT_EQ(second.records, 5u);
  EXPECT_EQ(second.segments, 2u);  // 3 + 2

  auto manifest = LoadManifest(*store_, "b1");
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  const format::PartitionManifest* pm = manifest->FindTopic("orders")->FindPartition(0);
  ASSERT_TRUE(pm);
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const auto& s : pm->segments) spans.emplace_back(s.first_offset, s.last_offset);
  EXPECT_EQ(spans, (std::vector<std::pair<int64_t, int64_t>>{{0, 2}, {3, 5}, {6, 8}, {9, 9}, {10, 12}, {13, 14}}));
  EXPECT_EQ(pm->next_offset, 15);
  EXPECT_TRUE(pm->gaps.empty());
  EXPECT_EQ(test::ReadBackup(*store_, "b1", "orders", 0), source_.Records("orders", 0));  // each record once
}

TEST_F(EngineMemoryKafka, SegmentsRollAtSegmentMaxBytes) {
  source_.CreateTopic("orders", 1);
  // One 600-byte record stays under the 1024-byte limit; two pass it: a segment per two records.
  for (int i = 0; i < 7; ++i) source_.Append("orders", 0, Rec(1000 + i, "k", std::string(600, static_cast<char>('a' + i))));
  BackupSummary summary = Backup(BackupConfig("  segment_max_bytes: 1024\n  block_bytes: 1024\n"));
  EXPECT_EQ(summary.records, 7u);
  EXPECT_EQ(summary.segments, 4u);
  auto manifest = LoadManifest(*store_, "b1");
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  std::vector<uint64_t> counts;
  for (const auto& s : manifest->FindTopic("orders")->FindPartition(0)->segments) counts.push_back(s.record_count);
  EXPECT_EQ(counts, (std::vector<uint64_t>{2, 2, 2, 1}));
  EXPECT_EQ(test::ReadBackup(*store_, "b1", "orders", 0), source_.Records("orders", 0));
}

TEST_F(EngineMemoryKafka, RecordsDeletedBeforeTheyWereReadAreAGapAndTheRestoreMapsAroundIt) {
  source_.CreateTopic("orders", 1);
  for (int i = 0; i < 10; ++i) source_.Append("orders", 0, Rec(1000 + i, "k", "v" + std::to_string(i)));
  Config config = BackupConfig("  segment_max_records: 4\n");
  EXPECT_EQ(Backup(config).records, 10u);
  const std::vector<Record> first_ten = source_.Records("orders", 0);

  // Offsets 10..19 arrive, and 10..14 are deleted before the next run reads them.
  for (int i = 10; i < 20; ++i) source_.Append("orders", 0, Rec(1000 + i, "k", "v" + std::to_string(i)));
  source_.DeleteRecordsBefore("orders", 0, 15);
  BackupSummary second = Backup(config);
  EXPECT_EQ(second.gaps, 1u);
  EXPECT_EQ(second.gap_records, 5u);
  EXPECT_EQ(second.records, 5u);

  auto manifest = LoadManifest(*store_, "b1");
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  const format::PartitionManifest* pm = manifest->FindTopic("orders")->FindPartition(0);
  ASSERT_EQ(pm->gaps.size(), 1u);
  EXPECT_EQ(pm->gaps[0].from_offset, 10);
  EXPECT_EQ(pm->gaps[0].to_offset, 14);
  EXPECT_EQ(pm->next_offset, 20);
  std::vector<Record> backed_up = first_ten;
  for (const auto& r : source_.Records("orders", 0)) backed_up.push_back(r);  // 15..19
  EXPECT_EQ(test::ReadBackup(*store_, "b1", "orders", 0), backed_up);

  RestoreResult result = Restore(RestoreConfig());
  ASSERT_TRUE(result.complete) << Join(result.errors);
  EXPECT_EQ(result.records, 15u);
  ExpectSameRecords(backed_up, target_.Records("orders", 0), "partition 0");
  // Source 0..9 -> target 0..9, source 15..19 -> target 10..14: two ranges around the hole.
  const PartitionMapping* mapped = result.mapping.Find("orders", 0);
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->ranges, (std::vector<MappingRange>{{0, 0, 10}, {15, 10, 5}}));
  EXPECT_EQ(mapped->target_end_offset, 15);
  auto inside_gap = result.mapping.Translate("orders", 0, 12);  // a group that had read up to 12
  ASSERT_TRUE(inside_gap);
  EXPECT_EQ(inside_gap->offset, 10);
  EXPECT_FALSE(inside_gap->past_restored_range);
  auto stored = LoadOffsetMapping(*store_, "b1", result.restore_id);
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(stored->Find("orders", 0)->ranges, mapped->ranges);
}

TEST_F(EngineMemoryKafka, PitrWindowRestoresExactlyTheInWindowRecordsWhateverTheirOrder) {
  source_.CreateTopic("orders", 2);
  const std::vector<int64_t> times = {199, 500, 200, 601, 300, 50, 600, 250, 1000, 400};
  for (size_t i = 0; i < times.size(); ++i) source_.Append("orders", 0, Rec(times[i], "k", "v" + std::to_string(i)));
  for (int64_t ts : {10, 20, 5000, 30}) source_.Append("orders", 1, Rec(ts, "k", "outside"));
  Backup(BackupConfig("  segment_max_records: 3\n"));

  RestoreResult result = Restore(RestoreConfig("  time_window_start: 200\n  time_window_end: 600\n"));
  ASSERT_TRUE(result.complete) << Join(result.errors);
  std::vector<Record> in_window;
  for (const auto& r : source_.Records("orders", 0))
    if (r.timestamp >= 200 && r.timestamp <= 600) in_window.push_back(r);  // offsets 1 2 4 6 7 9: bounds included
  ASSERT_EQ(in_window.size(), 6u);
  EXPECT_EQ(result.records, 6u);
  ExpectSameRecords(in_window, target_.Records("orders", 0), "partition 0");
  EXPECT_TRUE(target_.Records("orders", 1).empty());

  using P = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(Pairs(result.mapping, "orders", 0), (P{{1, 0}, {2, 1}, {4, 2}, {6, 3}, {7, 4}, {9, 5}}));
  EXPECT_EQ(Pairs(result.mapping, "orders", 1), P{});
  auto mid = result.mapping.Translate("orders", 0, 3);  // next in-window record after 3 is source 4
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->offset, 2);
  auto past = result.mapping.Translate("orders", 0, 10);
  ASSERT_TRUE(past);
  EXPECT_TRUE(past->past_restored_range);
  EXPECT_EQ(past->offset, 6);
}

TEST_F(EngineMemoryKafka, ARestoreWhoseBrokerFailsPartWayIsIncompleteAndTheRerunWritesEachRecordOnce) {
  source_.CreateTopic("orders", 2);
  for (int32_t p = 0; p < 2; ++p)
    for (int i = 0; i < 20; ++i)
      source_.Append("orders", p, Rec(1000 + i, "k" + std::to_string(i), std::to_string(p) + "-" + std::to_string(i)));
  Backup(BackupConfig("  segment_max_records: 5\n"));

  target_.FailProducesAfter(13);
  Config config = RestoreConfig();
  RestoreResult failed = Restore(config);
  EXPECT_FALSE(failed.complete);
  ASSERT_FALSE(failed.errors.empty());
  EXPECT_NE(Join(failed.errors).find("was not written"), std::string::npos) << Join(failed.errors);
  EXPECT_EQ(failed.partitions_complete, 0u);  // 13 records cannot complete a 20-record partition
  EXPECT_EQ(target_.Records("orders", 0).size() + target_.Records("orders", 1).size(), 13u);

  target_.ClearFaults();
  RestoreResult resumed = Restore(config);
  ASSERT_TRUE(resumed.complete) << Join(resumed.errors);
  EXPECT_TRUE(resumed.resumed);
  EXPECT_EQ(resumed.restore_id, failed.restore_id);
  EXPECT_EQ(resumed.records, 40u);
  const auto identity = Identity(20);
  for (int32_t p = 0; p < 2; ++p) {
    ExpectSameRecords(source_.Records("orders", p), target_.Records("orders", p), "partition " + std::to_string(p));
    EXPECT_EQ(Pairs(resumed.mapping, "orders", p), identity) << "partition " << p;
  }
}

// librdkafka 2.0's idempotent producer may report a record delivered without its offset: a retry
// the broker took as already written. The order places it, and the partition's end confirms it.
TEST_F(EngineMemoryKafka, ARecordConfirmedWithoutAnOffsetIsPlacedByTheOrderAndChecked) {
  source_.CreateTopic("orders", 1);
  for (int i = 0; i < 10; ++i) source_.Append("orders", 0, Rec(1000 + i, "k", "v" + std::to_string(i)));
  Backup(BackupConfig());
  target_.ConfirmWithoutOffset(3, /*written=*/true);
  RestoreResult r = Restore(RestoreConfig());
  ASSERT_TRUE(r.complete) << Join(r.errors);
  ExpectSameRecords(source_.Records("orders", 0), target_.Records("orders", 0), "partition 0");
  EXPECT_EQ(Pairs(r.mapping, "orders", 0), Identity(10));
}

// Seen against a real broker right after the restore created the topic: the first record of a
// partition reported delivered without an offset, never written, and the rest one offset early.
// The restore must not call that complete, and a rerun must not resume on top of it.
TEST_F(EngineMemoryKafka, ARecordConfirmedButNeverWrittenFailsTheRestoreAndBlocksItsResume) {
  FillOrders(source_, 2, 10);
  Backup(BackupConfig());
  Config config = RestoreConfig("  max_concurrent_partitions: 1\n");
  target_.ConfirmWithoutOffset(0, /*written=*/false);  // the first record of partition 0
  RestoreResult failed = Restore(config);
  EXPECT_FALSE(failed.complete);
  std::string errors = Join(failed.errors);
  EXPECT_NE(errors.find("topic=orders partition=0"), std::string::npos) << errors;
  EXPECT_NE(errors.find("does not hold the records sent to it, in order"), std::string::npos) << errors;
  EXPECT_EQ(failed.report.status, "partial");
  ASSERT_EQ(target_.Records("orders", 0).size(), 9u);  // what the fake broker did

  // A rerun starts a new restore, which finds the target non-empty and says how to start over.
  RestoreEngine engine(config, *store_, target_);
  auto rerun = engine.Run();
  ASSERT_FALSE(rerun);
  EXPECT_EQ(rerun.error().code, ErrorCode::kConflict) << rerun.error().ToString();
  EXPECT_NE(rerun.error().message.find("restore.purge_topics: true"), std::string::npos) << rerun.error().message;
  Config purge = RestoreConfig("  max_concurrent_partitions: 1\n  purge_topics: true\n");
  RestoreResult again = Restore(purge);
  ASSERT_TRUE(again.complete) << Join(again.errors);
  for (int32_t p = 0; p < 2; ++p)
    ExpectSameRecords(source_.Records("orders", p), target_.Records("orders", p), "partition " + std::to_string(p));
}

// The last record confirmed without an offset and never written: only the partition's end shows it.
TEST_F(EngineMemoryKafka, ALastRecordConfirmedButNeverWrittenIsFoundByThePartitionsEnd) {
  source_.CreateTopic("orders", 1);
  for (int i = 0; i < 10; ++i) source_.Append("orders", 0, Rec(1000 + i, "k", "v" + std::to_string(i)));
  Backup(BackupConfig());
  target_.ConfirmWithoutOffset(9, /*written=*/false);
  RestoreResult r = Restore(RestoreConfig());
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.partitions_complete, 0u);
  std::string errors = Join(r.errors);
  EXPECT_NE(errors.find("the partition ends at offset 9 but the records the broker confirmed end at 10"),
            std::string::npos) << errors;
}

// A checkpoint does not wait for what is in flight: it moves over the records confirmed so far,
// in produce order, and stops at the first one still unconfirmed. A shared (repartitioned) target
// shows why it must stop there: its partitions confirm independently.
TEST_F(EngineMemoryKafka, ACheckpointMovesOnlyOverTheRecordsConfirmedInProduceOrder) {
  source_.CreateTopic("orders", 1);
  for (int i = 0; i < 20; ++i) source_.Append("orders", 0, Rec(1000 + i, "k" + std::to_string(i), "v"));
  Backup(BackupConfig("  segment_max_records: 2\n"));
  target_.CreateTopic("orders", 2);
  // Record `held_from` is the first whose key goes to the other partition than record 0's.
  auto partition_of = [](int i) { return KafkaPartitionForKey("k" + std::to_string(i), 2); };
  int held_from = 1;
  while (partition_of(held_from) == partition_of(0)) ++held_from;
  ASSERT_LT(held_from, 10);
  target_.HoldReports("orders", partition_of(held_from));
  target_.FailProducesAfter(16);  // the restore fails after its first checkpoints
  SetRestoreCheckpointRecordsForTests(1);
  RestoreResult failed = Restore(RestoreConfig("  repartitioning: true\n"));
  SetRestoreCheckpointRecordsForTests(0);
  EXPECT_FALSE(failed.complete);
  EXPECT_NE(Join(failed.errors).find("was not written"), std::string::npos) << Join(failed.errors);

  auto progress = LoadRestoreProgress(*store_, "b1", failed.restore_id);
  ASSERT_TRUE(progress) << progress.error().ToString();
  ASSERT_EQ(progress->partitions.size(), 1u);
  EXPECT_EQ(progress->partitions[0].next_source_offset, held_from);
  EXPECT_EQ(progress->partitions[0].records, static_cast<uint64_t>(held_from));
  EXPECT_EQ(Pairs(failed.mapping, "orders", 0), Identity(held_from));
}

// A failed record settles its partition (failed) without holding up the partitions the worker
// writes after it: their records are confirmed, checkpointed and complete.
TEST_F(EngineMemoryKafka, OneFailedRecordFailsItsPartitionAndTheWorkersNextPartitionCompletes) {
  FillOrders(source_, 2, 10);
  Backup(BackupConfig());
  target_.FailOneProduce(3);  // partition 0's fourth record
  RestoreResult r = Restore(RestoreConfig("  max_concurrent_partitions: 1\n  produce_acks: \"1\"\n"));
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.partitions_complete, 1u);
  ASSERT_EQ(r.errors.size(), 1u) << Join(r.errors);
  EXPECT_NE(r.errors[0].find("topic=orders partition=0: record at source offset 3 was not written"), std::string::npos)
      << r.errors[0];
  ExpectSameRecords(source_.Records("orders", 1), target_.Records("orders", 1), "partition 1");
  EXPECT_EQ(Pairs(r.mapping, "orders", 1), Identity(10));
}

// The workers share one producer: a report is served on whichever worker's thread polls, and
// goes to the worker that sent the record. Each worker's checkpoints then place exactly its own
// records, one partition's reports held back until the end.
TEST_F(EngineMemoryKafka, WorkersShareOneProducerAndEachPlacesOnlyItsOwnRecords) {
  FillOrders(source_, 6, 40);
  Backup(BackupConfig());
  target_.HoldReports("orders", 4);
  SetRestoreCheckpointRecordsForTests(1);
  RestoreResult r = Restore(RestoreConfig("  max_concurrent_partitions: 3\n"));
  SetRestoreCheckpointRecordsForTests(0);
  EXPECT_TRUE(r.complete) << Join(r.errors);
  EXPECT_EQ(target_.producers_created(), 1);
  for (int32_t p = 0; p < 6; ++p) {
    ExpectSameRecords(source_.Records("orders", p), target_.Records("orders", p), "partition " + std::to_string(p));
    EXPECT_EQ(Pairs(r.mapping, "orders", p), Identity(40)) << "partition " << p;
  }
}

TEST_F(EngineMemoryKafka, ABackupOfAnUnreachableClusterFailsBeforeWritingAnything) {
  source_.CreateTopic("orders", 1);
  source_.Append("orders", 0, Rec(1000, "k", "v"));
  Config config = BackupConfig();
  source_.FailNextAdminCalls(1);
  BackupEngine engine(config, *store_, source_);
  auto summary = engine.Run();
  ASSERT_FALSE(summary);
  EXPECT_EQ(summary.error().code, ErrorCode::kUnavailable);
  auto objects = store_->List("");
  ASSERT_TRUE(objects);
  EXPECT_TRUE(objects->empty());

  source_.ClearFaults();
  EXPECT_EQ(Backup(config).records, 1u);
}

// The backup workflow's retention: a one-shot backup with backup.retention prunes once its data is
// stored; what is older than keep_within goes, what is newer stays readable.
TEST_F(EngineMemoryKafka, AOneShotBackupWithRetentionPrunesWhatIsOlderThanKeepWithinOnceStored) {
  source_.CreateTopic("orders", 1);
  const int64_t now = NowMs(), day = 24 * 3600 * 1000;
  for (int i = 0; i < 10; ++i) source_.Append("orders", 0, Rec(now - 10 * day + i, "old", "v"));
  for (int i = 0; i < 5; ++i) source_.Append("orders", 0, Rec(now - 1000 + i, "new", "v"));
  const Config config = BackupConfig("  segment_max_records: 5\n  retention:\n    keep_within: 1d\n");

  auto summary = RunBackupWorkflow(config, *store_, source_);
  ASSERT_TRUE(summary) << summary.error().ToString();
  ASSERT_TRUE(summary->errors.empty()) << Join(summary->errors);
  EXPECT_EQ(summary->records, 15u);
  EXPECT_EQ(summary->segments, 3u);
  auto chain = LoadPartitionChain(*store_, "b1", "orders", 0, CatalogDepth::kFull);
  ASSERT_TRUE(chain) << chain.error().ToString();
  ASSERT_TRUE(*chain && (*chain)->floor) << "no floor: nothing was pruned";
  EXPECT_EQ((*chain)->floor->from, 10);  // both old segments went
  EXPECT_EQ((*chain)->floor->pruned.records, 10u);
  const auto all = source_.Records("orders", 0);
  EXPECT_EQ(test::ReadBackup(*store_, "b1", "orders", 0), std::vector<Record>(all.begin() + 10, all.end()));

  // The same backup without retention keeps everything.
  MemoryStore::ClearForTests("engine-no-retention");
  MemoryStore kept("engine-no-retention");
  ASSERT_TRUE(RunBackupWorkflow(BackupConfig("  segment_max_records: 5\n"), kept, source_));
  EXPECT_EQ(test::ReadBackup(kept, "b1", "orders", 0), all);
}

}  // namespace
}  // namespace kb
