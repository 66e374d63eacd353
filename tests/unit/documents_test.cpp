// catalog/documents: where captures, snapshots and what a restore leaves are stored, and what a
// lookup costs (on the in-memory store; the MinIO round trips run in the integration suite).
#include "catalog/documents.h"

#include <atomic>

#include <gtest/gtest.h>

#include "format/object_keys.h"
#include "storage/memory_store.h"
#include "support/counting_store.h"

namespace kb {
namespace {

std::string NewStoreName() {
  static std::atomic<int> n{0};
  std::string name = "documents-" + std::to_string(n++);
  MemoryStore::ClearForTests(name);
  return name;
}

format::OffsetCapture Capture(int64_t at_ms, int64_t offset) {
  format::OffsetCapture c;
  c.captured_at_ms = at_ms;
  c.groups = {{"billing", "Stable", {{"payments", 0, offset, ""}}}};
  return c;
}

constexpr int64_t kMinute = 60'000;
constexpr int64_t kDay = 24 * 60 * kMinute;

TEST(Documents, CaptureAsOfPicksTheNewestAtOrBeforeTheTime) {
  MemoryStore store(NewStoreName());
  for (int64_t i = 1; i <= 3; ++i) {
    auto key = StoreOffsetCapture(store, "b", Capture(i * 1000, i * 10));
    ASSERT_TRUE(key) << key.error().ToString();
    EXPECT_EQ(*key, format::OffsetCaptureKey("b", i * 1000));
  }
  auto at = LoadOffsetCaptureAsOf(store, "b", 2500);
  ASSERT_TRUE(at && *at) << (at ? "none" : at.error().ToString());
  EXPECT_EQ((*at)->captured_at_ms, 2000);
  auto exact = LoadOffsetCaptureAsOf(store, "b", 3000);
  ASSERT_TRUE(exact && *exact);
  EXPECT_EQ((*exact)->captured_at_ms, 3000);
  auto newest = LoadOffsetCaptureAsOf(store, "b", std::nullopt);
  ASSERT_TRUE(newest && *newest);
  EXPECT_EQ((*newest)->captured_at_ms, 3000);
  auto before_all = LoadOffsetCaptureAsOf(store, "b", 999);
  ASSERT_TRUE(before_all);
  EXPECT_FALSE(*before_all);
  auto after = LoadOffsetCaptureAfter(store, "b", 2000);
  ASSERT_TRUE(after && *after);
  EXPECT_EQ((*after)->captured_at_ms, 3000);
  auto none_after = LoadOffsetCaptureAfter(store, "b", 3000);
  ASSERT_TRUE(none_after);
  EXPECT_FALSE(*none_after);
}

// A month of captures, one a minute: a lookup lists what lies near its time and fetches one
// capture, whatever the backup's age.
TEST(Documents, CaptureLookupCostDoesNotGrowWithTheBackupsAge) {
  MemoryStore inner(NewStoreName());
  const int64_t start = 1'795'000'000'000;
  const int64_t count = 30 * 24 * 60;
  for (int64_t i = 0; i < count; ++i) ASSERT_TRUE(StoreOffsetCapture(inner, "b", Capture(start + i * kMinute, i)));
  test::CountingStore store(inner);
  const int64_t late = start + (count - 10) * kMinute + 30'000;
  auto at = LoadOffsetCaptureAsOf(store, "b", late);
  ASSERT_TRUE(at && *at);
  EXPECT_EQ((*at)->captured_at_ms, start + (count - 10) * kMinute);
  EXPECT_LE(store.listed_entries(), 200u) << "listed " << store.listed_entries() << " of " << count << " captures";
  EXPECT_EQ(store.reads().size(), 1u);

  // A time a week after the last capture widens the window until it finds one.
  auto gap = LoadOffsetCaptureAsOf(store, "b", start + count * kMinute + 7 * kDay);
  ASSERT_TRUE(gap && *gap);
  EXPECT_EQ((*gap)->captured_at_ms, start + (count - 1) * kMinute);
}

TEST(Documents, DamagedCaptureIsCorruptAndNamesItsKey) {
  MemoryStore store(NewStoreName());
  ASSERT_TRUE(store.Put(format::OffsetCaptureKey("b", 5000), "{\"format_version\":1,\"captured_at_ms\":"));
  auto got = LoadOffsetCaptureAsOf(store, "b", std::nullopt);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(got.error().message.find(format::OffsetCaptureKey("b", 5000)), std::string::npos) << got.error().message;
}

TEST(Documents, SnapshotsRoundTripNewestFirstAndRefuseBadIds) {
  MemoryStore store(NewStoreName());
  for (int i = 1; i <= 2; ++i) {
    format::OffsetSnapshot s;
    s.snapshot_id = "snapshot-" + std::to_string(i);
    s.created_at_ms = i * 1000;
    s.groups = {{"billing", "Empty", {{"payments", 0, 7, ""}}}};
    ASSERT_TRUE(SaveOffsetSnapshot(store, s));
  }
  auto all = ListOffsetSnapshots(store);
  ASSERT_TRUE(all) << all.error().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].snapshot_id, "snapshot-2");
  auto one = LoadOffsetSnapshot(store, "snapshot-1");
  ASSERT_TRUE(one) << one.error().ToString();
  EXPECT_EQ(one->groups.at(0).offsets.at(0).offset, 7);
  format::OffsetSnapshot bad;
  bad.snapshot_id = "../manifest";
  EXPECT_EQ(SaveOffsetSnapshot(store, bad).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(LoadOffsetSnapshot(store, "snapshot-9").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(DeleteOffsetSnapshot(store, "snapshot-1"));
  EXPECT_EQ(DeleteOffsetSnapshot(store, "snapshot-1").error().code, ErrorCode::kNotFound);
}

TEST(Documents, RestoresListInIdOrderWithWhatEachLeft) {
  MemoryStore store(NewStoreName());
  format::RestoreReport report;
  report.backup_id = "b";
  report.restore_id = "restore-2000";
  report.complete = true;
  report.status = "complete";
  report.part_restores = {"restore-2000-part-0-of-2", "restore-2000-part-1-of-2"};
  ASSERT_TRUE(StoreRestoreReport(store, report));
  format::RestoreProgress progress;
  progress.backup_id = "b";
  progress.restore_id = "restore-2000-part-1-of-2";
  ASSERT_TRUE(StoreRestoreProgress(store, progress));
  progress.restore_id = "restore-1000";
  ASSERT_TRUE(StoreRestoreProgress(store, progress));
  OffsetMapping mapping;
  mapping.backup_id = "b";
  mapping.restore_id = "restore-2000";
  mapping.partitions = {PartitionMapping{"t", 0, "t", 0, {{0, 0, 5}}, 5}};
  ASSERT_TRUE(StoreOffsetMapping(store, mapping));

  auto restores = ListRestores(store, "b");
  ASSERT_TRUE(restores) << restores.error().ToString();
  ASSERT_EQ(restores->size(), 3u);
  EXPECT_EQ((*restores)[0].restore_id, "restore-1000");
  EXPECT_TRUE((*restores)[0].has_progress);
  EXPECT_FALSE((*restores)[0].has_report);
  EXPECT_EQ((*restores)[1].restore_id, "restore-2000");
  EXPECT_TRUE((*restores)[1].has_report);
  EXPECT_TRUE((*restores)[1].has_mapping);
  EXPECT_EQ((*restores)[2].restore_id, "restore-2000-part-1-of-2");

  auto back = LoadRestoreReport(store, "b", "restore-2000");
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->part_restores, report.part_restores);
  auto newest_mapping = LoadOffsetMapping(store, "b");
  ASSERT_TRUE(newest_mapping) << newest_mapping.error().ToString();
  EXPECT_EQ(newest_mapping->restore_id, "restore-2000");
  auto missing = LoadRestoreReport(store, "b", "restore-1000");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("restore-1000"), std::string::npos) << missing.error().message;

  ASSERT_TRUE(store.Put(format::RestoreReportKey("b", "restore-2000"), "not json"));
  auto damaged = LoadRestoreReport(store, "b", "restore-2000");
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(damaged.error().message.find(format::RestoreReportKey("b", "restore-2000")), std::string::npos);
}

}  // namespace
}  // namespace kb
