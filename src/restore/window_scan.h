// WindowScan: reads one partition of a backup for a PITR window, touching only what the window
// needs. The one place that prunes by window; restore (Worker and Plan) and `cat` all use it.
//
// Pruning, coarse to fine, all by min/max timestamps (record timestamps are not monotonic, so
// every segment and block is checked; none is assumed to end the scan):
// - a segment whose [min, max] misses the window is skipped without opening it;
// - inside an opened segment (trailer + footer read), a block that misses the window is skipped;
// - a needed block is fetched together with the adjacent needed blocks after it, in one request
//   of up to SegmentReader::kReadAheadBytes; with prefetch on, the next needed chunk is fetched in
//   the background while the caller handles this one;
// - records of a fetched block are filtered one by one (window, and offset >= from_offset).
// A segment the window wholly covers and of at most kWholeSegmentBytes is fetched in one request
// (every block of it is needed); with prefetch on, the next such segment is fetched while the
// caller works on this one, so a partition of small segments costs one round trip per segment,
// overlapped with the work.
// With summarize_whole, a segment or block wholly inside the window is not read at all: the piece
// carries its counts from the manifest or the footer index (for plans and estimates).
#pragma once

#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "core/record.h"
#include "format/manifest.h"
#include "format/segment.h"
#include "storage/backend.h"

namespace kb {

// The inclusive PITR window; an unset bound is open.
struct TimeWindow {
  std::optional<int64_t> start, end;
  bool Contains(int64_t ts) const { return (!start || ts >= *start) && (!end || ts <= *end); }
  // Whether anything in [min_ts, max_ts] can be inside the window.
  bool Overlaps(int64_t min_ts, int64_t max_ts) const { return (!start || max_ts >= *start) && (!end || min_ts <= *end); }
  // Whether everything in [min_ts, max_ts] is inside the window.
  bool Covers(int64_t min_ts, int64_t max_ts) const { return Contains(min_ts) && Contains(max_ts); }
};

// Whether a segment may hold a record of the window at or after from_offset (no I/O).
bool SegmentInWindow(const format::SegmentRef& seg, const TimeWindow& window, int64_t from_offset);

struct WindowScanOptions {
  int64_t from_offset = 0;       // records below this offset are skipped (a resumed restore)
  bool summarize_whole = false;  // wholly covered segments and blocks: counts only, nothing read
  bool prefetch = true;          // fetch the next needed chunk while the caller works
};

// Counts of a segment or block wholly inside the window, from the manifest or footer index.
struct WindowSummary {
  uint64_t records = 0;
  uint64_t raw_bytes = 0;
  int64_t min_timestamp = 0, max_timestamp = 0;
};

// One segment or block's share of the window, in offset order.
struct WindowPiece {
  // Offsets below `from` were in earlier pieces or outside the window; once `records` are
  // handled, so are the offsets below `to` (the end of this piece's segment or block).
  int64_t from = 0, to = 0;
  std::optional<WindowSummary> whole;  // summarize_whole and wholly inside: nothing was read
  std::vector<Record> records;         // otherwise the block's records in the window, in offset order
};

class WindowScan {
 public:
  // `segments` (in offset order) must outlive the scan.
  WindowScan(ObjectStore& store, const std::vector<format::SegmentRef>& segments, TimeWindow window,
             WindowScanOptions options = {});

  // Largest segment fetched whole (see above): memory stays what chunked reads with a prefetch hold.
  static constexpr uint64_t kWholeSegmentBytes = format::SegmentReader::kReadAheadBytes;

  // The next piece, or nullopt once the partition is done. Errors name the segment and block.
  Result<std::optional<WindowPiece>> Next();
  // Offsets below this were handed out or lie outside the window: the partition's end once Next
  // has returned nullopt.
  int64_t position() const { return position_; }
  // Blocks fetched and decoded so far.
  uint64_t blocks_read() const { return blocks_read_; }
  // Hands back a piece's records once handled: the next block is decoded into their buffers
  // instead of allocating a string per record.
  void Reuse(std::vector<Record> records) { spare_ = std::move(records); }

 private:
  bool Whole(int64_t min_ts, int64_t max_ts, int64_t first_offset) const;
  bool NeedsRead(const format::BlockInfo& b) const;
  // Whether segment i is read with one request of the whole object.
  bool ReadWhole(size_t i) const;
  // Opens segment i: whole (from the prefetched bytes when they are for it) or by its index.
  Result<format::SegmentReader> OpenSegment(size_t i);
  // Starts fetching the next segment after i that is read whole, if any.
  void PrefetchSegmentAfter(size_t i);
  // Last block from i on that is needed and adjacent to i's run: fetched with i in one request.
  size_t ChunkEnd(size_t i) const;
  void PrefetchAfter(size_t i) const;

  ObjectStore& store_;
  const std::vector<format::SegmentRef>& segments_;
  TimeWindow window_;
  WindowScanOptions options_;
  size_t segment_ = 0;                          // index of the current (or next) segment
  std::optional<format::SegmentReader> reader_;  // open when inside segment_
  size_t block_ = 0;                            // next block of reader_
  int64_t position_ = 0;
  uint64_t blocks_read_ = 0;
  std::vector<Record> spare_;  // records handed back (Reuse), decoded over by the next block
  // A whole segment being fetched ahead: its index and bytes.
  size_t whole_index_ = SIZE_MAX;
  Background<Result<std::string>> whole_bytes_;
};

}  // namespace kb
