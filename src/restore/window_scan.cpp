#include "restore/window_scan.h"

#include <algorithm>
#include <string>
#include <utility>

namespace kb {

bool SegmentInWindow(const format::SegmentRef& seg, const TimeWindow& window, int64_t from_offset) {
  return seg.last_offset >= from_offset && window.Overlaps(seg.min_timestamp, seg.max_timestamp);
}

WindowScan::WindowScan(ObjectStore& store, const std::vector<format::SegmentRef>& segments, TimeWindow window,
                       WindowScanOptions options)
    : store_(store), segments_(segments), window_(window), options_(options), position_(options.from_offset) {}

bool WindowScan::Whole(int64_t min_ts, int64_t max_ts, int64_t first_offset) const {
  return options_.summarize_whole && first_offset >= options_.from_offset && window_.Covers(min_ts, max_ts);
}

bool WindowScan::NeedsRead(const format::BlockInfo& b) const {
  return b.last_offset >= options_.from_offset && window_.Overlaps(b.min_timestamp, b.max_timestamp) &&
         !Whole(b.min_timestamp, b.max_timestamp, b.first_offset);
}

bool WindowScan::ReadWhole(size_t i) const {
  const format::SegmentRef& seg = segments_[i];
  return seg.stored_bytes > 0 && seg.stored_bytes <= kWholeSegmentBytes && seg.first_offset >= options_.from_offset &&
         window_.Covers(seg.min_timestamp, seg.max_timestamp) &&
         !Whole(seg.min_timestamp, seg.max_timestamp, seg.first_offset);
}

Result<format::SegmentReader> WindowScan::OpenSegment(size_t i) {
  const format::SegmentRef& seg = segments_[i];
  if (!ReadWhole(i)) return format::SegmentReader::Open(store_, seg.key, seg.stored_bytes);
  Result<std::string> bytes = std::string();
  if (whole_index_ == i) {
    bytes = whole_bytes_.get();
    whole_index_ = SIZE_MAX;
  } else {
    bytes = store_.Get(seg.key);
  }
  if (!bytes) return Fail(bytes.error());
  if (bytes->size() != seg.stored_bytes)
    return Fail(ErrorCode::kCorrupt, "segment " + seg.key + " holds " + std::to_string(bytes->size()) +
                                         " bytes, but the catalog records " + std::to_string(seg.stored_bytes));
  return format::SegmentReader::FromBytes(std::move(*bytes), seg.key);
}

void WindowScan::PrefetchSegmentAfter(size_t i) {
  if (!options_.prefetch || whole_index_ != SIZE_MAX) return;
  for (size_t n = i + 1; n < segments_.size(); ++n) {
    if (!SegmentInWindow(segments_[n], window_, options_.from_offset)) continue;
    if (!ReadWhole(n)) return;  // opened by its index when its turn comes
    whole_index_ = n;
    whole_bytes_ = InBackground([&store = store_, key = segments_[n].key] { return store.Get(key); });
    return;
  }
}

size_t WindowScan::ChunkEnd(size_t i) const {
  const auto& blocks = reader_->blocks();
  size_t through = i;
  uint64_t span = blocks[i].stored_size;
  while (through + 1 < blocks.size() && span < format::SegmentReader::kReadAheadBytes && NeedsRead(blocks[through + 1])) {
    ++through;
    span += blocks[through].stored_size;
  }
  return through;
}

void WindowScan::PrefetchAfter(size_t i) const {
  const auto& blocks = reader_->blocks();
  for (size_t n = i + 1; n < blocks.size(); ++n) {
    if (!NeedsRead(blocks[n]) || reader_->InMemory(n)) continue;
    reader_->Prefetch(n, ChunkEnd(n));
    return;
  }
}

Result<std::optional<WindowPiece>> WindowScan::Next() {
  while (segment_ < segments_.size()) {
    const format::SegmentRef& seg = segments_[segment_];
    if (!reader_) {
      if (!SegmentInWindow(seg, window_, options_.from_offset)) {
        if (seg.last_offset >= options_.from_offset) position_ = std::max(position_, seg.last_offset + 1);
        ++segment_;
        continue;
      }
      if (Whole(seg.min_timestamp, seg.max_timestamp, seg.first_offset)) {
        WindowPiece piece{position_, seg.last_offset + 1,
                          WindowSummary{seg.record_count, seg.raw_bytes, seg.min_timestamp, seg.max_timestamp}, {}};
        position_ = piece.to;
        ++segment_;
        return piece;
      }
      auto opened = OpenSegment(segment_);
      if (!opened) return Fail(opened.error().With("cannot open segment " + seg.key));
      reader_.emplace(std::move(*opened));
      block_ = 0;
      PrefetchSegmentAfter(segment_);
    }
    const auto& blocks = reader_->blocks();
    while (block_ < blocks.size()) {
      const size_t i = block_++;
      const format::BlockInfo& b = blocks[i];
      if (b.last_offset < options_.from_offset) continue;
      if (!window_.Overlaps(b.min_timestamp, b.max_timestamp)) {
        position_ = std::max(position_, b.last_offset + 1);
        continue;
      }
      WindowPiece piece{position_, b.last_offset + 1, std::nullopt, {}};
      position_ = std::max(position_, piece.to);
      if (Whole(b.min_timestamp, b.max_timestamp, b.first_offset)) {
        piece.whole = WindowSummary{b.record_count, b.raw_size, b.min_timestamp, b.max_timestamp};
        return piece;
      }
      auto records = reader_->ReadBlock(i, ChunkEnd(i), std::move(spare_));
      spare_ = {};
      if (options_.prefetch) PrefetchAfter(i);
      if (!records) return Fail(records.error().With("cannot read block " + std::to_string(i) + " of " + seg.key));
      ++blocks_read_;
      std::erase_if(*records, [&](const Record& r) {
        return r.offset < options_.from_offset || !window_.Contains(r.timestamp);
      });
      piece.records = std::move(*records);
      return piece;
    }
    position_ = std::max(position_, seg.last_offset + 1);
    reader_.reset();
    ++segment_;
  }
  return std::nullopt;
}

}  // namespace kb
