#include "support/segment_fixture.h"

#include <gtest/gtest.h>

#include "catalog/catalog_writer.h"
#include "format/object_keys.h"
#include "format/segment.h"

namespace kb::test {

format::SegmentRef PutSegment(ObjectStore& store, const std::string& key, const std::vector<Record>& records,
                              size_t block_bytes) {
  format::SegmentOptions options;
  options.block_bytes = block_bytes;
  format::SegmentWriter writer(options);
  for (const auto& r : records) {
    auto st = writer.Append(r);
    EXPECT_TRUE(st) << st.error().ToString();
  }
  format::SegmentSummary s;
  auto bytes = writer.Finish(&s);
  EXPECT_TRUE(bytes) << bytes.error().ToString();
  if (!bytes) return {};
  auto st = store.Put(key, *bytes);
  EXPECT_TRUE(st) << st.error().ToString();
  return format::SegmentRef{key, s.first_offset, s.last_offset, s.min_timestamp, s.max_timestamp, s.record_count,
                            s.raw_bytes, s.stored_bytes, s.crc32c, "zstd"};
}

void CommitManifest(ObjectStore& store, const format::Manifest& manifest) {
  // Written as a format-1 manifest and carried over by a format-2 run, as a resumed old backup is:
  // readers then see the format-2 catalog.
  ASSERT_TRUE(store.Put(format::ManifestKey(manifest.backup_id), format::SerializeManifest(manifest)));
  auto writer = CatalogWriter::Open(store, manifest.backup_id);
  ASSERT_TRUE(writer) << writer.error().ToString();
  auto st = (*writer)->BeginRun({manifest.mode.empty() ? "one-shot" : manifest.mode, manifest.compression,
                                 manifest.cluster_id, manifest.source_bootstrap},
                                {});
  ASSERT_TRUE(st) << st.error().ToString();
  if (manifest.status == "complete") {
    ASSERT_TRUE((*writer)->EndRun());
  }
}

size_t ExpectOnlyWindowReads(ObjectStore& uncounted, const CountingStore& counted,
                             const std::vector<format::SegmentRef>& segments, const TimeWindow& w) {
  EXPECT_EQ(counted.size_calls(), 0u) << "the manifest gives every segment's size";
  size_t needed_total = 0;
  for (const auto& seg : segments) {
    const auto reads = counted.ReadsOf(seg.key);
    if (!w.Overlaps(seg.min_timestamp, seg.max_timestamp)) {
      EXPECT_TRUE(reads.empty()) << seg.key << " cannot hold a record of the window but was read";
      continue;
    }
    auto reader = format::SegmentReader::Open(uncounted, seg.key, seg.stored_bytes);
    EXPECT_TRUE(reader) << reader.error().ToString();
    if (!reader) continue;
    if (w.Covers(seg.min_timestamp, seg.max_timestamp) && seg.stored_bytes <= WindowScan::kWholeSegmentBytes) {
      // Every block is needed: one request of the whole (small) object.
      EXPECT_EQ(reads.size(), 1u) << seg.key << ": a small segment the window covers is read in one request";
      if (reads.size() != 1) continue;
      EXPECT_FALSE(reads[0].range) << seg.key;
      EXPECT_EQ(reads[0].bytes, seg.stored_bytes) << seg.key;
      needed_total += reader->blocks().size();
      continue;
    }
    const auto& blocks = reader->blocks();
    const uint64_t blocks_end = blocks.back().file_offset + blocks.back().stored_size;
    uint64_t want = seg.stored_bytes - blocks_end;  // footer and trailer
    size_t needed = 0, runs = 0;
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (!w.Overlaps(blocks[i].min_timestamp, blocks[i].max_timestamp)) continue;
      want += blocks[i].stored_size;
      ++needed;
      if (i == 0 || !w.Overlaps(blocks[i - 1].min_timestamp, blocks[i - 1].max_timestamp)) ++runs;
    }
    uint64_t bytes = 0;
    for (const auto& r : reads) {
      bytes += r.bytes;
      EXPECT_TRUE(r.range) << seg.key << ": a segment is read in ranges, never whole";
      EXPECT_LT(r.bytes, format::SegmentReader::kReadAheadBytes);
      if (r.offset >= blocks_end) continue;
      for (const auto& b : blocks) {
        if (b.file_offset < r.offset + r.bytes && r.offset < b.file_offset + b.stored_size) {
          EXPECT_TRUE(w.Overlaps(b.min_timestamp, b.max_timestamp))
              << seg.key << ": the block at " << b.file_offset << " cannot hold a window record but was fetched";
        }
      }
    }
    EXPECT_EQ(bytes, want) << seg.key << ": bytes fetched";
    EXPECT_EQ(reads.size(), 2 + runs) << seg.key << ": requests (trailer, footer, one per run of needed blocks)";
    needed_total += needed;
  }
  return needed_total;
}

}  // namespace kb::test
