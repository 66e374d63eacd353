// The offset-reset planner, commit comparison, bulk runner and snapshots, with fakes: no
// broker needed.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "catalog/documents.h"
#include "offsets/bulk_commit.h"
#include "offsets/cluster_reset_lookups.h"
#include "offsets/offset_commit.h"
#include "offsets/offset_reset.h"
#include "offsets/offset_snapshot.h"
#include "offsets/reset_session.h"
#include "storage/memory_store.h"

namespace kb::offsets {
namespace {

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

// Target partition "dst":0 holds source records 10..49 (a PITR that cut the first ten) at
// target offsets 0..39, each with its x-original-offset and the source's timestamp 1000*s.
class FakeLookups : public ResetLookups {
 public:
  bool headers = true;
  int header_calls = 0, ts_calls = 0, scan_calls = 0;
  Result<std::optional<int64_t>> FindByOriginalOffset(const std::string&, int32_t, int64_t c, int64_t) override {
    ++header_calls;
    if (!headers) return Fail(ErrorCode::kNotFound, "no x-original-offset header");
    if (c > 49) return std::optional<int64_t>();
    return std::optional<int64_t>(std::max<int64_t>(c, 10) - 10);
  }
  Result<std::optional<int64_t>> OffsetForTimestamp(const std::string&, int32_t, int64_t ts) override {
    ++ts_calls;
    int64_t s = (ts + 999) / 1000;
    if (s > 49) return std::optional<int64_t>();
    return std::optional<int64_t>(std::max<int64_t>(s, 10) - 10);
  }
  Result<std::optional<Record>> SourceRecord(const std::string&, int32_t, int64_t offset) override {
    if (offset < 0 || offset > 49) return std::optional<Record>();
    Record r;
    r.offset = offset;
    r.timestamp = offset * 1000;
    r.value = "v" + std::to_string(offset);
    return std::optional<Record>(r);
  }
  Result<std::optional<int64_t>> ScanForRecord(const std::string&, int32_t, const Record& source) override {
    ++scan_calls;
    if (source.offset < 10) return std::optional<int64_t>();
    return std::optional<int64_t>(source.offset - 10);
  }
};

OffsetMapping PitrMapping() {
  OffsetMapping m;
  m.backup_id = "b";
  m.restore_id = "restore-1";
  PartitionMapping pm;
  pm.source_topic = "src";
  pm.source_partition = 0;
  pm.target_topic = "dst";
  pm.target_partition = 0;
  for (int64_t s = 10; s < 50; ++s) pm.Add(s, s - 10);
  pm.target_end_offset = 40;
  m.partitions.push_back(pm);
  return m;
}

ResetInputs Inputs(const OffsetMapping& m, ResetStrategy s, std::vector<int64_t> committed) {
  ResetInputs in;
  in.backup_id = "b";
  in.mapping = &m;
  in.strategy = s;
  in.positions_from = "capture test";
  int i = 0;
  for (int64_t c : committed) in.positions.push_back({"g" + std::to_string(i++), "Empty", {{"src", 0, c, ""}}});
  return in;
}

TEST(OffsetResetPlanner, EveryStrategyAgreesWithTheMappingTranslation) {
  OffsetMapping m = PitrMapping();
  for (auto s : {ResetStrategy::kHeaderBased, ResetStrategy::kTimestampBased, ResetStrategy::kClusterScan,
                 ResetStrategy::kManual}) {
    FakeLookups fake;
    auto plan = PlanReset(Inputs(m, s, {0, 5, 10, 30, 49, 50, 70}), fake);
    ASSERT_TRUE(plan) << plan.error().ToString();
    EXPECT_TRUE(plan->problems.empty()) << ResetStrategyName(s) << ": " << plan->problems.front();
    ASSERT_EQ(plan->entries.size(), 7u);
    for (const auto& e : plan->entries) {
      auto t = m.Translate("src", 0, e.source_offset);
      ASSERT_TRUE(t);
      EXPECT_EQ(e.target_offset, t->offset) << ResetStrategyName(s) << " C=" << e.source_offset;
      EXPECT_EQ(e.mapped_offset, t->offset);
      EXPECT_EQ(e.target_topic, "dst");
    }
  }
}

TEST(OffsetResetPlanner, CommittedPastTheRestoredRangeGoesToTheRestoredEndNeverBeyond) {
  OffsetMapping m = PitrMapping();
  FakeLookups fake;
  auto plan = PlanReset(Inputs(m, ResetStrategy::kHeaderBased, {80}), fake);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->entries[0].target_offset, 40);
  EXPECT_TRUE(plan->entries[0].past_restored_range);
  EXPECT_EQ(fake.header_calls, 0) << "past the range needs no lookup";
}

TEST(OffsetResetPlanner, Record30Of50LandsOnItsTargetOffset) {
  OffsetMapping m = PitrMapping();
  FakeLookups fake;
  auto plan = PlanReset(Inputs(m, ResetStrategy::kHeaderBased, {30}), fake);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->entries[0].target_offset, 20);
  auto commits = plan->Commits();
  ASSERT_EQ(commits["g0"].size(), 1u);
  EXPECT_EQ(commits["g0"][0].topic, "dst");
  EXPECT_EQ(commits["g0"][0].offset, 20);
}

TEST(OffsetResetPlanner, SkipPlansNoCommitAndAsksNothing) {
  OffsetMapping m = PitrMapping();
  FakeLookups fake;
  auto plan = PlanReset(Inputs(m, ResetStrategy::kSkip, {30}), fake);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->entries[0].commit());
  EXPECT_TRUE(plan->Commits()["g0"].empty());
  EXPECT_EQ(fake.header_calls + fake.ts_calls + fake.scan_calls, 0);
}

TEST(OffsetResetPlanner, HeaderBasedWithoutHeadersIsAProblemNotAGuess) {
  OffsetMapping m = PitrMapping();
  FakeLookups fake;
  fake.headers = false;
  auto plan = PlanReset(Inputs(m, ResetStrategy::kHeaderBased, {30}), fake);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->problems.size(), 1u);
  EXPECT_NE(plan->problems[0].find("x-original-offset"), std::string::npos);
  EXPECT_FALSE(plan->entries[0].commit());
}

TEST(OffsetResetPlanner, ClusterScanFallsBackToMatchingRecordsWhenHeadersAreAbsent) {
  OffsetMapping m = PitrMapping();
  FakeLookups fake;
  fake.headers = false;
  auto plan = PlanReset(Inputs(m, ResetStrategy::kClusterScan, {30}), fake);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->problems.empty());
  EXPECT_EQ(plan->entries[0].target_offset, 20);
  EXPECT_EQ(fake.scan_calls, 1);
}

TEST(OffsetResetPlanner, UnrestoredPartitionIsLeftAloneWithAWarning) {
  OffsetMapping m = PitrMapping();
  FakeLookups fake;
  ResetInputs in = Inputs(m, ResetStrategy::kHeaderBased, {30});
  in.positions[0].offsets.push_back({"other", 3, 7, ""});
  auto plan = PlanReset(in, fake);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->problems.empty());
  ASSERT_EQ(plan->warnings.size(), 1u);
  EXPECT_NE(plan->warnings[0].find("topic=other partition=3"), std::string::npos);
  EXPECT_EQ(plan->Commits()["g0"].size(), 1u);
}

TEST(OffsetResetPlanner, FirstRestoredAtOrAfterSkipsHoles) {
  PartitionMapping pm;
  pm.Add(5, 0);
  pm.Add(6, 1);
  pm.Add(20, 2);
  using P = std::pair<int64_t, int64_t>;
  EXPECT_EQ(FirstRestoredAtOrAfter(pm, 0), P(5, 0));
  EXPECT_EQ(FirstRestoredAtOrAfter(pm, 7), P(20, 2));
  EXPECT_EQ(FirstRestoredAtOrAfter(pm, 21), std::nullopt);
}

TEST(OffsetResetPlanner, StrategyNamesRoundTripAndUnknownIsRefused) {
  for (auto s : {ResetStrategy::kSkip, ResetStrategy::kHeaderBased, ResetStrategy::kTimestampBased,
                 ResetStrategy::kClusterScan, ResetStrategy::kManual}) {
    auto p = ParseResetStrategy(ResetStrategyName(s));
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, s);
  }
  auto bad = ParseResetStrategy("header");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(OffsetResetPlanner, DefaultStrategyIsTheRestoresUnlessSkip) {
  format::RestoreReport r;
  EXPECT_EQ(DefaultStrategyFromReport(r), ResetStrategy::kHeaderBased);
  r.consumer_group_strategy = "timestamp-based";
  EXPECT_EQ(DefaultStrategyFromReport(r), ResetStrategy::kTimestampBased);
  r.consumer_group_strategy = "cluster-scan";
  EXPECT_EQ(DefaultStrategyFromReport(r), ResetStrategy::kClusterScan);
  r.consumer_group_strategy = "skip";
  EXPECT_EQ(DefaultStrategyFromReport(r), ResetStrategy::kHeaderBased);
}

TEST(OffsetResetScript, OneKafkaConsumerGroupsLinePerCommittedPartition) {
  OffsetMapping m = PitrMapping();
  FakeLookups fake;
  auto plan = PlanReset(Inputs(m, ResetStrategy::kHeaderBased, {30, 70}), fake);
  ASSERT_TRUE(plan);
  std::string s = ResetScript(*plan, "127.0.0.1:9092");
  EXPECT_EQ(s.rfind("#!/usr/bin/env bash", 0), 0u);
  EXPECT_NE(s.find("--group 'g0' --topic 'dst:0' --reset-offsets --to-offset 20 --execute"), std::string::npos) << s;
  EXPECT_NE(s.find("--group 'g1' --topic 'dst:0' --reset-offsets --to-offset 40 --execute"), std::string::npos) << s;
  size_t lines = 0;
  for (size_t at = 0; (at = s.find("--reset-offsets", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 2u);
}

TEST(OriginalOffsetHeader, ReadsDecimalAndBigEndianValues) {
  Record r;
  r.headers = {{"x-original-partition", std::string("2")}, {"x-original-offset", std::string("12345")}};
  EXPECT_EQ(OriginalOffsetHeader(r), 12345);
  Record b;
  b.headers = {{"x-original-offset", std::string("\0\0\0\0\0\0\x01\x02", 8)}};
  EXPECT_EQ(OriginalOffsetHeader(b), 258);
  EXPECT_EQ(OriginalOffsetHeader(Record{}), std::nullopt);
}

TEST(CompareOffsets, ReportsChangedAndMissingPartitionsOnly) {
  auto m = CompareOffsets("g", {{"t", 0, 5, ""}, {"t", 1, 7, ""}, {"t", 2, 9, ""}}, {{"t", 0, 5, ""}, {"t", 1, 8, ""}, {"u", 0, 1, ""}});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].partition, 1);
  EXPECT_EQ(m[0].actual, 8);
  EXPECT_EQ(m[1].partition, 2);
  EXPECT_EQ(m[1].actual, std::nullopt);
}

TEST(BulkRunner, RunsGroupsConcurrentlyRetriesTransientFailuresAndReportsLatency) {
  std::map<std::string, std::vector<kafka::GroupOffset>> commits;
  for (int i = 0; i < 8; ++i) commits["g" + std::to_string(i)] = {{"t", 0, i, ""}};
  std::atomic<int> running{0}, peak{0};
  std::mutex mu;
  std::map<std::string, int> calls;
  BulkOptions opts;
  opts.max_concurrency = 4;
  opts.max_retries = 2;
  auto report = RunBulk(commits, opts, [&](const std::string& g, const std::vector<kafka::GroupOffset>& o) {
    int now = ++running;
    int p = peak;
    while (now > p && !peak.compare_exchange_weak(p, now)) {}
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    --running;
    int n;
    {
      std::lock_guard<std::mutex> l(mu);
      n = ++calls[g];
    }
    GroupCommitResult r;
    r.group = g;
    for (const auto& x : o) r.partitions.push_back({x.topic, x.partition, x.offset, x.offset, ""});
    if (g == "g1" && n == 1) r.error = "Coordinator load in progress", r.retryable = true;  // transient once
    if (g == "g2") r.error = "Coordinator not available", r.retryable = true;              // transient forever
    if (g == "g3") r.refused = true, r.error = "active members";                           // never retried
    if (g == "g4" && n == 1) r.error = "verification: committed offset is 3, expected 4";   // not retryable
    return r;
  });
  EXPECT_GT(peak.load(), 1) << "groups must run concurrently";
  EXPECT_LE(peak.load(), 4);
  ASSERT_EQ(report.groups.size(), 8u);
  EXPECT_EQ(report.ok_groups(), 5u);
  EXPECT_EQ(calls["g1"], 2);
  EXPECT_EQ(calls["g2"], 3) << "1 try + max_retries";
  EXPECT_EQ(calls["g3"], 1);
  EXPECT_EQ(calls["g4"], 1) << "a failure not flagged retryable is not tried again, whatever its text";
  EXPECT_GE(report.p50_ms, 40);
  EXPECT_GE(report.p99_ms, report.p50_ms);
}

TEST(BulkRunner, PercentileIsNearestRank) {
  EXPECT_EQ(Percentile({}, 0.5), 0);
  EXPECT_EQ(Percentile({5, 1, 3}, 0.5), 3);
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(Percentile(v, 0.99), 99);
  EXPECT_EQ(Percentile(v, 1.0), 100);
}

TEST(OffsetSnapshotStore, IdsAreUniqueTimeStampedAndListedNewestFirst) {
  std::string a = NewSnapshotId(1764000000123), b = NewSnapshotId(1764000000123);
  EXPECT_EQ(a.rfind("snapshot-20251124T160000123Z-", 0), 0u) << a;
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsSnapshotId(a));
  EXPECT_FALSE(IsSnapshotId("snapshot-../../etc"));

  MemoryStore store(test_name());
  for (int64_t t : {1000, 3000, 2000}) {
    OffsetSnapshot s;
    s.created_at_ms = t;
    s.snapshot_id = NewSnapshotId(t);
    s.description = "t" + std::to_string(t);
    s.groups = {{"g", "Empty", {{"t", 0, t, "m"}}}};
    ASSERT_TRUE(SaveOffsetSnapshot(store, s));
  }
  auto list = ListOffsetSnapshots(store);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].created_at_ms, 3000);
  EXPECT_EQ((*list)[2].created_at_ms, 1000);
  auto one = LoadOffsetSnapshot(store, (*list)[1].snapshot_id);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->groups[0].offsets[0].offset, 2000);
  EXPECT_EQ(one->groups[0].offsets[0].metadata, "m");
  ASSERT_TRUE(DeleteOffsetSnapshot(store, (*list)[1].snapshot_id));
  auto gone = LoadOffsetSnapshot(store, (*list)[1].snapshot_id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(DeleteOffsetSnapshot(store, (*list)[1].snapshot_id));
}

TEST(SourcePositions, NewestCaptureAtOrBeforeTElseFirstAfterWithAWarning) {
  MemoryStore store(test_name());
  for (int64_t t : {1000, 2000, 3000}) {
    format::OffsetCapture c;
    c.captured_at_ms = t;
    c.groups = {{"g", "Empty", {{"t", 0, t / 100, ""}}}};
    ASSERT_TRUE(StoreOffsetCapture(store, "b", c));
  }
  auto at = LoadSourcePositions(store, "b", 2500, {"g"});
  ASSERT_TRUE(at);
  EXPECT_EQ(at->groups[0].offsets[0].offset, 20);
  EXPECT_TRUE(at->warning.empty());
  auto early = LoadSourcePositions(store, "b", 500, {"g", "missing"});
  ASSERT_TRUE(early);
  EXPECT_EQ(early->groups[0].offsets[0].offset, 10);
  EXPECT_FALSE(early->warning.empty());
  EXPECT_TRUE(early->groups[1].offsets.empty());
  auto none = LoadSourcePositions(store, "nobackup", std::nullopt, {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kb::offsets
