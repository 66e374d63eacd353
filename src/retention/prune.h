// Prune: removes what a backup no longer needs to restore any point inside its retention window
// (docs/RETENTION.md).
//
// Per partition, the longest run of oldest segments whose records are all older than the horizon
// (now - keep_within) is cut off:
//   1. a floor object is written first: from then on every reader starts the partition's chain
//      after those segments, and knows the earliest time it can restore;
//   2. then the objects below the newest floor are removed: segments, and the commits and
//      checkpoints readers no longer fetch. Anything left behind by an interrupted prune is found
//      by listing and removed by the next one, so a kill -9 at any point leaves a consistent,
//      restorable backup.
// Offset captures older than the horizon are removed too, except the newest one at or before it,
// so group positions at the horizon stay known.
//
// Safe alongside other work: a running backup only ever writes past its chain's head, and never
// reads below a floor. A running restore holds a lease naming the oldest timestamp it may read;
// while one reads from before the horizon, step 2 waits (the report says which lease), and the
// next prune does it. Objects under Object Lock retention are kept and reported with their date.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "storage/backend.h"

namespace kb {

struct PruneOptions {
  int64_t keep_within_ms = 0;  // required, > 0
  bool dry_run = false;        // report what would go; write and remove nothing
  int64_t now_ms = 0;          // 0 = the clock
};

struct PrunedPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t first_offset = 0;           // the retained chain starts here
  int64_t earliest_restorable_ms = 0; // 0 = nothing pruned, all of it restorable
  uint64_t segments_removed = 0, bytes_removed = 0;
  uint64_t records_pruned = 0;        // in this run
};

struct KeptObject {
  std::string key;
  int64_t until_ms = 0;  // 0 = a legal hold
};

struct PruneReport {
  std::string backup_id;
  bool dry_run = false;
  int64_t horizon_ms = 0;
  uint64_t objects_removed = 0, bytes_removed = 0;  // dry run: what would be removed
  uint64_t segments_removed = 0, captures_removed = 0;
  std::vector<KeptObject> kept;             // under retention: removed by a later prune
  std::vector<std::string> deferred_by;     // leases that held removals back this time
  std::vector<PrunedPartition> partitions;  // every partition of the backup
  nlohmann::json ToJson() const;
};

// What removing a list of objects did.
struct Removal {
  std::vector<bool> removed;     // per object
  std::vector<KeptObject> kept;  // under retention (Object Lock), sorted by key
  std::optional<Error> error;    // the first failure; the other objects were still tried
};

// Removes `objects`, 8 at a time: the one way prune and delete remove what they list.
Removal RemoveAll(ObjectStore& store, const std::vector<ObjectInfo>& objects);

// kInvalidArgument for keep_within_ms <= 0 or a format-1 backup (with the way out); kNotFound when
// there is no such backup.
Result<PruneReport> Prune(ObjectStore& store, const std::string& backup_id, const PruneOptions& options);

}  // namespace kb
