// BackupCatalog: what backups a storage location holds, and how sound one of them is.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "format/manifest.h"
#include "storage/backend.h"

namespace kb {

struct ValidationIssue {
  std::string where;    // "topic=payments partition=2 segment=<key> block=3"
  std::string problem;  // what is wrong
};

struct ValidationReport {
  std::string backup_id;
  bool deep = false;
  uint64_t segments_checked = 0;
  uint64_t blocks_checked = 0;
  uint64_t records_checked = 0;
  uint64_t gaps = 0;
  uint64_t gap_records = 0;
  std::vector<ValidationIssue> issues;
  bool ok() const { return issues.empty(); }
};

// Shallow: every referenced segment exists with the recorded size; segments in a partition are
// in order and do not overlap; the checkpoint is not behind the last segment.
// Deep, in addition: every segment's footer parses, every block's CRC32C matches, every block
// decompresses and every record parses, offsets strictly increase within and across segments,
// and counts, offsets and timestamps agree with the manifest.
Result<ValidationReport> ValidateBackup(ObjectStore& store, const format::Manifest& manifest, bool deep);

}  // namespace kb
