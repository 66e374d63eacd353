// WindowScan on the memory store: the records of a PITR window, exactly, and only the segments
// and blocks that can hold them fetched (every read is recorded by a CountingStore).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "format/segment.h"
#include "restore/window_scan.h"
#include "storage/memory_store.h"
#include "support/counting_store.h"
#include "support/segment_fixture.h"
#include "support/test_env.h"

namespace kb {
namespace {

constexpr int64_t kFirstOffset = 100;
constexpr int kSegments = 3;
constexpr int kPerSegment = 40;
constexpr int64_t kLateOffset = 215;      // in the last segment, with an early timestamp
constexpr int64_t kLateTimestamp = 10105;  // between offsets 110 and 111 of the first segment

int64_t TimestampOf(int64_t offset) { return offset == kLateOffset ? kLateTimestamp : 10000 + (offset - kFirstOffset) * 10; }

class WindowScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int s = 0; s < kSegments; ++s) {
      std::vector<Record> records;
      for (int i = 0; i < kPerSegment; ++i) {
        Record r;
        r.offset = kFirstOffset + s * kPerSegment + i;
        r.timestamp = TimestampOf(r.offset);
        r.key = "k" + std::to_string(r.offset);
        r.value = std::string(90, static_cast<char>('a' + i % 26));
        records.push_back(r);
        all_.push_back(r);
      }
      segments_.push_back(test::PutSegment(mem_, "b/seg-" + std::to_string(s), records, 400));
    }
  }

  // Runs a scan to its end through the counting store.
  std::vector<Record> Scan(TimeWindow w, WindowScanOptions o = {}, std::vector<WindowPiece>* pieces = nullptr,
                           int64_t* end = nullptr) {
    WindowScan scan(store_, segments_, w, o);
    std::vector<Record> out;
    while (true) {
      auto piece = scan.Next();
      EXPECT_TRUE(piece) << piece.error().ToString();
      if (!piece || !*piece) break;
      out.insert(out.end(), (*piece)->records.begin(), (*piece)->records.end());
      if (pieces) pieces->push_back(**piece);
    }
    if (end) *end = scan.position();
    return out;
  }

  std::vector<Record> Expected(TimeWindow w, int64_t from = 0) const {
    std::vector<Record> out;
    for (const auto& r : all_)
      if (r.offset >= from && w.Contains(r.timestamp)) out.push_back(r);
    return out;
  }

  // The blocks of segment s, read from the store directly (not counted).
  std::vector<format::BlockInfo> Blocks(int s) {
    auto reader = format::SegmentReader::Open(mem_, segments_[s].key, segments_[s].stored_bytes);
    EXPECT_TRUE(reader) << reader.error().ToString();
    return reader ? reader->blocks() : std::vector<format::BlockInfo>{};
  }

  MemoryStore mem_{test::UniqueName("window-scan")};
  test::CountingStore store_{mem_};
  std::vector<Record> all_;
  std::vector<format::SegmentRef> segments_;
};

TEST_F(WindowScanTest, ReturnsExactlyTheRecordsOfTheWindowWithInclusiveBounds) {
  const std::vector<TimeWindow> windows{
      {},                                  // everything
      {10150, 10400},                      // bounds on record timestamps: both ends included
      {10151, 10399},                      // bounds between timestamps
      {std::nullopt, 10105},               // open start; includes the late record
      {11000, std::nullopt},               // open end
      {10001, 10009},                      // between two records: nothing
      {99999, std::nullopt},               // after everything
  };
  for (const auto& w : windows) {
    auto got = Scan(w);
    EXPECT_EQ(got, Expected(w)) << "window " << w.start.value_or(-1) << ".." << w.end.value_or(-1);
  }
  ASSERT_GT(Blocks(0).size(), 4u) << "the test needs several blocks per segment";
}

TEST_F(WindowScanTest, FetchesOnlyTheSegmentsAndBlocksThatCanHoldAWindowRecord) {
  // The late record's block spans 10105..11150, so the last segment is opened for this window
  // and that block read; the first segment is never opened.
  const TimeWindow w{10500, 10620};
  for (bool prefetch : {false, true}) {
    test::CountingStore counted(mem_);
    WindowScan scan(counted, segments_, w, {.prefetch = prefetch});
    std::vector<Record> got;
    while (true) {
      auto piece = scan.Next();
      ASSERT_TRUE(piece) << piece.error().ToString();
      if (!*piece) break;
      got.insert(got.end(), (*piece)->records.begin(), (*piece)->records.end());
    }
    EXPECT_EQ(got, Expected(w));
    EXPECT_TRUE(counted.ReadsOf(segments_[0].key).empty()) << "segment 0 lies before the window";
    EXPECT_FALSE(counted.ReadsOf(segments_[2].key).empty()) << "segment 2 holds the late record";
    const size_t needed_total = test::ExpectOnlyWindowReads(mem_, counted, segments_, w);
    EXPECT_EQ(scan.blocks_read(), needed_total);
  }
}

TEST_F(WindowScanTest, AnOutOfOrderTimestampKeepsItsSegmentAndBlockInTheScan) {
  // Only offsets 110 and 111 are near 10105 in time order; the late record sits 100 offsets on.
  const TimeWindow w{10101, 10109};
  auto got = Scan(w);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].offset, kLateOffset);
  EXPECT_EQ(got[0].timestamp, kLateTimestamp);
}

TEST_F(WindowScanTest, FromOffsetSkipsEarlierRecordsAndPositionsCoverEveryOffset) {
  const TimeWindow w{10200, 11000};
  const int64_t from = 135;
  std::vector<WindowPiece> pieces;
  int64_t end = 0;
  auto got = Scan(w, {.from_offset = from}, &pieces, &end);
  EXPECT_EQ(got, Expected(w, from));
  ASSERT_FALSE(pieces.empty());
  EXPECT_GE(pieces.front().from, from);
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_LE(pieces[i].from, pieces[i].to);
    for (const auto& r : pieces[i].records) {
      EXPECT_GE(r.offset, pieces[i].from);
      EXPECT_LT(r.offset, pieces[i].to);
    }
    if (i > 0) {
      EXPECT_GE(pieces[i].from, pieces[i - 1].to) << "pieces come in offset order";
    }
  }
  EXPECT_EQ(end, all_.back().offset + 1) << "at the end every offset is handed out or pruned";
}

TEST_F(WindowScanTest, SummarizeWholeCountsCoveredSegmentsAndBlocksWithoutReadingThem) {
  // All of segment 1 (10400..10790; the late record is in segment 2) and the start of segment 2.
  const TimeWindow w{10400, 10850};
  test::CountingStore counted(mem_);
  WindowScan scan(counted, segments_, w, {.summarize_whole = true, .prefetch = false});
  uint64_t records = 0;
  int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
  size_t whole_pieces = 0;
  while (true) {
    auto piece = scan.Next();
    ASSERT_TRUE(piece) << piece.error().ToString();
    if (!*piece) break;
    if ((*piece)->whole) {
      ++whole_pieces;
      records += (*piece)->whole->records;
      min_ts = std::min(min_ts, (*piece)->whole->min_timestamp);
      max_ts = std::max(max_ts, (*piece)->whole->max_timestamp);
      EXPECT_TRUE((*piece)->records.empty());
    }
    for (const auto& r : (*piece)->records) {
      ++records;
      min_ts = std::min(min_ts, r.timestamp);
      max_ts = std::max(max_ts, r.timestamp);
    }
  }
  const auto want = Expected(w);
  EXPECT_EQ(records, want.size());
  EXPECT_EQ(min_ts, 10400);
  EXPECT_EQ(max_ts, 10850);
  EXPECT_GE(whole_pieces, 2u) << "segment 1, and whole blocks of segment 2";
  EXPECT_TRUE(counted.ReadsOf(segments_[1].key).empty()) << "a covered segment is counted from the manifest";
  // In segment 2 only the blocks the window covers in part are decoded: the one holding its
  // end, and the one holding the late record (whose [min, max] spans the window).
  size_t partial = 0;
  for (const auto& b : Blocks(2))
    if (w.Overlaps(b.min_timestamp, b.max_timestamp) && !w.Covers(b.min_timestamp, b.max_timestamp)) ++partial;
  EXPECT_EQ(partial, 2u);
  EXPECT_EQ(scan.blocks_read(), partial);
}

}  // namespace
}  // namespace kb
