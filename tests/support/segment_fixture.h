// Building backups without Kafka, for unit tests of readers: segments written with the real
// SegmentWriter and a manifest committed with the catalog's own writer.
#pragma once

#include <string>
#include <vector>

#include "core/record.h"
#include "format/manifest.h"
#include "restore/window_scan.h"
#include "storage/backend.h"
#include "support/counting_store.h"

namespace kb::test {

// Stores `records` (offsets increasing) as one zstd segment under `key`, sealing a block every
// `block_bytes` raw bytes; returns the manifest's reference to it. Fails the test on error.
format::SegmentRef PutSegment(ObjectStore& store, const std::string& key, const std::vector<Record>& records,
                              size_t block_bytes);
// Commits `manifest` as backup manifest.backup_id (in catalog format 2). Fails the test on error.
void CommitManifest(ObjectStore& store, const format::Manifest& manifest);

// Checks that `counted` fetched, of `segments`, exactly what a scan of window `w` needs: nothing
// of a segment whose [min, max] misses the window; of each other one its trailer and footer and
// the blocks whose [min, max] meets the window, each run of adjacent ones in one request (runs
// here are far below SegmentReader::kReadAheadBytes). `uncounted` reads the footers for the
// check. Returns the number of blocks the window needs.
size_t ExpectOnlyWindowReads(ObjectStore& uncounted, const CountingStore& counted,
                             const std::vector<format::SegmentRef>& segments, const TimeWindow& w);

}  // namespace kb::test
