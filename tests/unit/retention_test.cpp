// Retention on the in-memory store: prune's floors and what a reader sees after them, removals
// that wait for a restore's lease, an interrupted prune completed by the next, Object Lock, offset
// captures, and delete. The MinIO and real-broker cases are in tests/integration/retention_test.cpp.
#include <atomic>
#include <set>

#include <gtest/gtest.h>

#include "catalog/catalog_reader.h"
#include "catalog/catalog_writer.h"
#include "catalog/lease.h"
#include "core/time_util.h"
#include "format/object_keys.h"
#include "retention/backup_delete.h"
#include "retention/prune.h"
#include "storage/memory_store.h"

namespace kb {
namespace {

std::string NewStoreName(const std::string& stem) {
  static std::atomic<int> n{0};
  std::string name = stem + "-" + std::to_string(n++);
  MemoryStore::ClearForTests(name);
  return name;
}

// Segments of 10 offsets; offset o has timestamp 1000 + o.
constexpr int64_t kKeep = 1000;
int64_t NowForHorizonAt(int64_t offset) { return 1000 + offset + kKeep; }

class Retention : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<MemoryStore>(NewStoreName("retention"));
    auto w = CatalogWriter::Open(*store_, "b");
    ASSERT_TRUE(w) << w.error().ToString();
    writer_ = std::move(*w);
    format::RunTopic t;
    t.name = "t";
    t.partition_count = 1;
    t.replication_factor = 1;
    t.end_offsets_at_start = {-1};
    ASSERT_TRUE(writer_->BeginRun({"continuous", "none", "cluster-1", "127.0.0.1:9092"}, {t}));
    ASSERT_TRUE(writer_->StartPartition("t", 0, 0));
  }

  // Stores `n` segments (objects and commits) after the chain's end.
  void AddSegments(int n) {
    int64_t at = writer_->NextOffset("t", 0);
    for (int i = 0; i < n; ++i, at += 10) {
      format::SegmentRef ref;
      ref.key = writer_->SegmentKey("t", 0, at, at + 9);
      ref.first_offset = at;
      ref.last_offset = at + 9;
      ref.min_timestamp = 1000 + at;
      ref.max_timestamp = 1000 + at + 9;
      ref.record_count = 10;
      ref.raw_bytes = 100;
      ref.stored_bytes = 50;
      ref.codec = "none";
      ASSERT_TRUE(store_->Put(ref.key, std::string(50, 'x')));
      ASSERT_TRUE(writer_->Commit("t", 0, format::ChainEntry{at, at + 10, ref, std::nullopt}));
    }
  }

  Result<PruneReport> PruneAt(int64_t horizon_offset, bool dry_run = false) {
    PruneOptions o;
    o.keep_within_ms = kKeep;
    o.now_ms = NowForHorizonAt(horizon_offset);
    o.dry_run = dry_run;
    return Prune(*store_, "b", o);
  }

  std::vector<std::string> Keys(const std::string& prefix) {
    std::vector<std::string> out;
    auto listed = store_->List(prefix);
    EXPECT_TRUE(listed);
    for (const auto& o : *listed) out.push_back(o.key);
    return out;
  }
  std::vector<std::string> SegmentKeys() { return Keys(format::SegmentPrefix("b", "t", 0)); }

  std::unique_ptr<MemoryStore> store_;
  std::unique_ptr<CatalogWriter> writer_;
};

TEST_F(Retention, PruneCutsTheOldestSegmentsAndReadersStartAtTheFloor) {
  AddSegments(70);  // commits 1..71: checkpoints at 32 and 64
  auto dry = PruneAt(500, true);
  ASSERT_TRUE(dry) << dry.error().ToString();
  EXPECT_EQ(dry->segments_removed, 50u);
  EXPECT_EQ(SegmentKeys().size(), 70u) << "a dry run removes nothing";
  EXPECT_TRUE(Keys(format::CatalogFloorPrefix("b", "t", 0)).empty()) << "and writes nothing";

  auto r = PruneAt(500);  // horizon 1500: segments ending before offset 500 are older
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->partitions.size(), 1u);
  EXPECT_EQ(r->partitions[0].first_offset, 500);
  EXPECT_EQ(r->partitions[0].earliest_restorable_ms, 1500);
  EXPECT_EQ(r->partitions[0].segments_removed, 50u);
  EXPECT_EQ(r->segments_removed, 50u);
  EXPECT_EQ(r->partitions[0].records_pruned, 500u);
  EXPECT_EQ(SegmentKeys().size(), 20u);
  // The checkpoint of commits 1..32 and those commits are no longer read, so they are gone.
  auto checkpoints = Keys(format::CatalogCheckpointPrefix("b", "t", 0));
  ASSERT_EQ(checkpoints.size(), 1u);
  EXPECT_EQ(format::CatalogCheckpointKeySeq(checkpoints[0]), 64);
  for (const auto& k : Keys(format::CatalogCommitPrefix("b", "t", 0))) EXPECT_GT(format::CatalogCommitKeySeq(k), 32);

  auto m = LoadManifest(*store_, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  const auto& p = m->topics[0].partitions[0];
  ASSERT_EQ(p.segments.size(), 20u);
  EXPECT_EQ(p.segments.front().first_offset, 500);
  EXPECT_EQ(p.next_offset, 700);
  EXPECT_EQ(p.earliest_restorable_ms, 1500);

  // The backup goes on; a second prune at the same horizon has nothing to do.
  AddSegments(40);
  auto again = PruneAt(500);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->objects_removed, 0u);
  auto later = PruneAt(900);
  ASSERT_TRUE(later) << later.error().ToString();
  EXPECT_EQ(later->segments_removed, 40u);
  EXPECT_EQ(Keys(format::CatalogFloorPrefix("b", "t", 0)).size(), 1u) << "older floors go";
  m = LoadManifest(*store_, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->topics[0].partitions[0].segments.front().first_offset, 900);
  EXPECT_EQ(m->topics[0].partitions[0].segments.size(), 20u);
}

TEST_F(Retention, NothingIsPrunedInsideTheWindow) {
  AddSegments(5);
  auto r = PruneAt(0);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->objects_removed, 0u);
  EXPECT_EQ(r->partitions[0].earliest_restorable_ms, 0);
  EXPECT_TRUE(Keys(format::CatalogFloorPrefix("b", "t", 0)).empty());
  EXPECT_EQ(SegmentKeys().size(), 5u);
}

TEST_F(Retention, ARemovedFloorIsCorruptionNotAShorterBackup) {
  AddSegments(70);
  ASSERT_TRUE(PruneAt(500));
  for (const auto& k : Keys(format::CatalogFloorPrefix("b", "t", 0))) ASSERT_TRUE(store_->Delete(k));
  auto m = LoadManifest(*store_, "b");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kCorrupt) << m.error().ToString();
}

// A store whose deletes start failing after `budget` of them: a prune killed part way.
class FailingDeletes : public MemoryStore {
 public:
  FailingDeletes(const std::string& name, int budget) : MemoryStore(name), budget_(budget) {}
  Result<DeleteResult> Delete(const std::string& key) override {
    if (budget_-- <= 0) return Fail(ErrorCode::kUnavailable, "injected: storage went away");
    return MemoryStore::Delete(key);
  }

 private:
  std::atomic<int> budget_;
};

TEST_F(Retention, AnInterruptedPruneLeavesAConsistentBackupAndTheNextOneFinishes) {
  AddSegments(70);
  FailingDeletes failing(store_->Describe().substr(std::string("memory://").size()), 7);
  PruneOptions o;
  o.keep_within_ms = kKeep;
  o.now_ms = NowForHorizonAt(500);
  auto broken = Prune(failing, "b", o);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("run prune again"), std::string::npos) << broken.error().message;
  auto m = LoadManifest(*store_, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->topics[0].partitions[0].segments.front().first_offset, 500);
  EXPECT_GT(SegmentKeys().size(), 20u) << "some removals did not happen";

  auto done = PruneAt(500);
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(SegmentKeys().size(), 20u);
  for (const auto& k : SegmentKeys()) {
    int64_t first = 0, last = 0;
    ASSERT_TRUE(format::ParseSegmentKey(k, &first, &last));
    EXPECT_GE(first, 500);
  }
  EXPECT_TRUE(LoadManifest(*store_, "b"));
}

TEST_F(Retention, ARestoreLeaseHoldsRemovalsBackUntilItEnds) {
  AddSegments(70);
  {
    // A restore of everything (reads_from 0) started before the prune.
    auto lease = Lease::Acquire(*store_, "b", "restore", 0);
    ASSERT_TRUE(lease) << lease.error().ToString();
    auto r = PruneAt(500);
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(r->deferred_by.size(), 1u);
    EXPECT_NE(r->deferred_by[0].find((*lease)->doc().lease_id), std::string::npos);
    EXPECT_EQ(r->objects_removed, 0u);
    EXPECT_EQ(SegmentKeys().size(), 70u) << "the restore may still read them";
    auto m = LoadManifest(*store_, "b");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->topics[0].partitions[0].earliest_restorable_ms, 1500) << "the floor moved all the same";
  }
  {
    // A restore whose window starts inside the retained range does not hold anything back.
    auto lease = Lease::Acquire(*store_, "b", "restore", 1600);
    ASSERT_TRUE(lease);
    auto r = PruneAt(500);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_TRUE(r->deferred_by.empty());
    EXPECT_EQ(r->segments_removed, 50u);
  }
  EXPECT_TRUE(Keys(format::LeasePrefix("b")).empty()) << "leases are removed when their holder ends";
}

TEST_F(Retention, ObjectsUnderRetentionAreKeptAndReportedWithTheirDate) {
  AddSegments(10);
  const int64_t until = NowMs() + 86400000;
  auto keys = SegmentKeys();
  store_->SetRetentionForTests(keys[0], until);
  store_->SetRetentionForTests(keys[1], until);
  auto r = PruneAt(50);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->segments_removed, 3u);
  ASSERT_EQ(r->kept.size(), 2u);
  EXPECT_EQ(r->kept[0].key, keys[0]);
  EXPECT_EQ(r->kept[0].until_ms, until);
  auto m = LoadManifest(*store_, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->topics[0].partitions[0].segments.front().first_offset, 50) << "the catalog moves past kept objects";
  auto again = PruneAt(50);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kept.size(), 2u) << "a later prune tries them again";
}

TEST_F(Retention, CapturesBeforeTheHorizonGoExceptTheNewest) {
  AddSegments(1);
  for (int64_t t : {100, 200, 1400, 1600}) ASSERT_TRUE(store_->Put(format::OffsetCaptureKey("b", t), "{}"));
  auto r = PruneAt(500);  // horizon 1500
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->captures_removed, 2u);
  std::set<int64_t> left;
  for (const auto& k : Keys(format::OffsetCapturePrefix("b"))) left.insert(format::OffsetCaptureKeyTime(k));
  EXPECT_EQ(left, (std::set<int64_t>{1400, 1600}));
}

TEST_F(Retention, PruneRefusesAFormatOneBackupWithTheWayOut) {
  ASSERT_TRUE(store_->Put(format::ManifestKey("v1"), "{}"));
  PruneOptions o;
  o.keep_within_ms = kKeep;
  auto r = Prune(*store_, "v1", o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("format 1"), std::string::npos) << r.error().message;
  auto missing = Prune(*store_, "nope", o);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(Retention, DeleteRefusesWhileABackupRunsUnlessForced) {
  AddSegments(3);
  {
    auto lease = Lease::Acquire(*store_, "b", "backup", 0);
    ASSERT_TRUE(lease);
    auto refused = DeleteBackup(*store_, "b", false);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_NE(refused.error().message.find("--force"), std::string::npos) << refused.error().message;
    EXPECT_EQ(SegmentKeys().size(), 3u);
    auto forced = DeleteBackup(*store_, "b", true);
    ASSERT_TRUE(forced) << forced.error().ToString();
    EXPECT_EQ(forced->forced_past.size(), 1u);
    EXPECT_TRUE(forced->kept.empty());
  }
  EXPECT_TRUE(Keys("b/").empty());
  auto gone = DeleteBackup(*store_, "b", false);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST(RetentionParsing, Durations) {
  EXPECT_EQ(*ParseDurationMs("7d"), 7 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("1d12h"), 36 * 3600000LL);
  EXPECT_EQ(*ParseDurationMs("90s"), 90000);
  EXPECT_EQ(*ParseDurationMs("1500ms"), 1500);
  for (const char* bad : {"", "7", "d", "7w", "0s", "-1d", "7 d"}) EXPECT_FALSE(ParseDurationMs(bad)) << bad;
  EXPECT_EQ(FormatDurationMs(36 * 3600000LL), "1d12h");
  EXPECT_EQ(FormatDurationMs(90000), "1m30s");
}

TEST(RetentionParsing, KeysReadBack) {
  int64_t first = 0, last = 0;
  ASSERT_TRUE(format::ParseSegmentKey(format::SegmentKey("b", "t", 3, 100, 199), &first, &last));
  EXPECT_EQ(first, 100);
  EXPECT_EQ(last, 199);
  ASSERT_TRUE(format::ParseSegmentKey(format::SegmentKeyForRun("b", "t", 3, 7, 9, "9999999996-1a2b3c4d"), &first, &last));
  EXPECT_EQ(last, 9);
  EXPECT_FALSE(format::ParseSegmentKey("b/topics/t/3/notes.kbs", &first, &last));
  const std::string commit = format::CatalogCommitKey("b", "t", 0, "9999999996-1a2b3c4d", 41);
  EXPECT_EQ(format::CatalogCommitKeySeq(commit), 41);
  EXPECT_EQ(format::CatalogCommitKeyRunId(commit), "9999999996-1a2b3c4d");
  EXPECT_EQ(format::CatalogCheckpointKeySeq(format::CatalogCheckpointKey("b", "t", 0, "9999999996-1a2b3c4d", 64)), 64);
  EXPECT_EQ(format::OffsetCaptureKeyTime(format::OffsetCaptureKey("b", 1764000000000)), 1764000000000);
  // Floors sort with the highest position first.
  EXPECT_LT(format::CatalogFloorKey("b", "t", 0, 900), format::CatalogFloorKey("b", "t", 0, 500));
}

}  // namespace
}  // namespace kb
