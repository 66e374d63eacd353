#include <gtest/gtest.h>

#include "format/offset_mapping.h"

namespace kb {
namespace {

OffsetMapping Sample() {
  // Source offsets 10..14 and 20..21 (a compacted hole at 15..19) restored to target 0..6.
  OffsetMapping m;
  m.backup_id = "b";
  m.restore_id = "restore-1";
  PartitionMapping p;
  p.source_topic = "payments";
  p.source_partition = 2;
  p.target_topic = "payments-restored";
  p.target_partition = 2;
  int64_t target = 0;
  for (int64_t s : {10, 11, 12, 13, 14, 20, 21}) p.Add(s, target++);
  p.target_end_offset = target;
  m.partitions.push_back(p);
  return m;
}

TEST(OffsetMapping, ConsecutiveRecordsCollapseIntoRanges) {
  auto m = Sample();
  ASSERT_EQ(m.partitions[0].ranges.size(), 2u);
  EXPECT_EQ(m.partitions[0].ranges[0], (MappingRange{10, 0, 5}));
  EXPECT_EQ(m.partitions[0].ranges[1], (MappingRange{20, 5, 2}));
  EXPECT_EQ(m.partitions[0].records(), 7u);
}

TEST(OffsetMapping, CommittedOffsetMapsToFirstRestoredRecordAtOrAfterIt) {
  auto m = Sample();
  EXPECT_EQ(m.Translate("payments", 2, 12)->offset, 2);   // inside a range
  EXPECT_EQ(m.Translate("payments", 2, 0)->offset, 0);    // before everything restored
  EXPECT_EQ(m.Translate("payments", 2, 15)->offset, 5);   // in the hole: next restored record
  EXPECT_EQ(m.Translate("payments", 2, 21)->offset, 6);
  EXPECT_EQ(m.Translate("payments", 2, 21)->topic, "payments-restored");
}

TEST(OffsetMapping, CommittedOffsetPastRestoredRangeMapsToPartitionEndNeverBeyond) {
  auto m = Sample();
  auto t = m.Translate("payments", 2, 22);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->offset, 7);
  EXPECT_TRUE(t->past_restored_range);
  EXPECT_EQ(m.Translate("payments", 2, 1000)->offset, 7);
}

TEST(OffsetMapping, UnrestoredOrRepartitionedPartitionsAreErrors) {
  auto m = Sample();
  EXPECT_EQ(m.Translate("payments", 0, 5).error().code, ErrorCode::kNotFound);
  m.partitions[0].target_partition = -1;
  EXPECT_EQ(m.Translate("payments", 2, 5).error().code, ErrorCode::kInvalidArgument);
}

TEST(OffsetMapping, JsonRoundTrip) {
  auto m = Sample();
  m.time_window_end = 1795515330123;
  auto parsed = ParseOffsetMapping(SerializeOffsetMapping(m), "k");
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->partitions[0].ranges, m.partitions[0].ranges);
  EXPECT_EQ(*parsed->time_window_end, 1795515330123);
  EXPECT_FALSE(parsed->time_window_start);
  EXPECT_EQ(ParseOffsetMapping("{", "k").error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace kb
