// The documents of catalog format 2 (docs/FORMAT.md, "Catalog, format_version 2"): small JSON
// objects, each written once, that together say what a backup holds.
//
//   run        one per backup process: its epoch, the backup-level fields and every topic known
//              when it started. The newest run (highest epoch) speaks for the backup.
//   topic      a topic a run added or grew while it ran (continuous mode).
//   run end    how a run ended ("complete").
//   commit     one step of a partition's chain: the stretch [from, to) of the source log it adds
//              (a segment, a recorded gap, or offsets with nothing to keep), the partition's totals
//              after it, and its predecessor named by key and SHA-256, so a removed or altered
//              commit is detected.
//   checkpoint every kCheckpointEvery commits: the entries of the commits since the previous
//              checkpoint, so a reader loads a bounded number of objects per partition.
//   floor      written by prune: where a partition's retained chain now starts. Everything before
//              it may be gone from storage; its totals carry what was pruned.
//   lease      a running backup or restore, renewed while it runs: prune and delete honour it.
//
// Pure: serialization and the validating parse only; keys are built in object_keys.h and the
// catalog module does the I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/manifest.h"

namespace kb::format {

inline constexpr int kCatalogFormatVersion = 2;

// One stretch [from, to) of a partition's source log, as consumer positions: `from` is the
// position before the stretch's first record, `to` the position after its last. A partition's
// entries chain: each starts where the previous one ended.
struct ChainEntry {
  int64_t from = 0;
  int64_t to = 0;
  std::optional<SegmentRef> segment;  // the stretch's records are in this segment
  std::optional<Gap> gap;             // the stretch's records were lost before they were read
  // Neither: the stretch holds nothing to keep (transaction markers, compacted-away offsets), or
  // it is the empty stretch that starts a partition's chain.
};

// A reference to another catalog object, checked by content.
struct DocRef {
  std::string key;
  std::string sha256;  // of the object's bytes
  int64_t seq = 0;     // the commit sequence number it belongs to
};

// A partition's running totals, carried by every commit and checkpoint.
struct PartitionTotals {
  uint64_t records = 0, raw_bytes = 0, stored_bytes = 0, segments = 0, gaps = 0, gap_records = 0;
  int64_t min_timestamp = 0, max_timestamp = 0;  // meaningful when records > 0
  void Add(const ChainEntry& e);
  void Add(const PartitionTotals& t);  // as if t's entries were added
  bool operator==(const PartitionTotals&) const = default;
};

struct CatalogCommit {
  int format_version = kCatalogFormatVersion;
  std::string topic;
  int32_t partition = 0;
  int64_t seq = 0;                   // 1, 2, 3, ... along the partition's chain
  int64_t epoch = 0;                 // the writing run's epoch
  std::string run_id;
  std::optional<DocRef> prev;        // the commit at seq-1; absent for seq 1
  std::optional<DocRef> checkpoint;  // the newest checkpoint stored when this commit was made
  int64_t committed_at_ms = 0;
  std::vector<ChainEntry> entries;   // one, except for a partition imported from format 1
  PartitionTotals totals;            // after this commit
};

struct CatalogCheckpoint {
  int format_version = kCatalogFormatVersion;
  std::string topic;
  int32_t partition = 0;
  int64_t seq = 0;                  // covers the commits 1..seq
  int64_t epoch = 0;
  std::string run_id;
  DocRef commit;                    // the commit at seq
  std::optional<DocRef> prev;       // the previous checkpoint
  std::vector<ChainEntry> entries;  // of the commits after prev.seq, up to seq
  PartitionTotals totals;           // at seq
};

struct RunTopic {
  std::string name;
  int32_t partition_count = 0;
  int16_t replication_factor = 0;
  std::map<std::string, std::string> configs;
  std::vector<int64_t> end_offsets_at_start;  // per partition; -1 unknown
};

struct CatalogRun {
  int format_version = kCatalogFormatVersion;
  std::string backup_id;
  std::string run_id;
  int64_t epoch = 0;
  int64_t started_at_ms = 0;
  int64_t created_at_ms = 0;  // of the backup (its first run)
  std::string mode, compression, cluster_id, source_bootstrap, tool_version;
  std::vector<RunTopic> topics;  // sorted by name
  // Scale-out (backup.coordination: kafka-group): the consumer group whose member wrote this run,
  // and that member's id. Absent (empty) for a run that owns the whole backup.
  std::string group, member_id;
};

struct CatalogTopicAdded {
  int format_version = kCatalogFormatVersion;
  std::string run_id;
  RunTopic topic;
};

struct CatalogRunEnd {
  int format_version = kCatalogFormatVersion;
  std::string run_id;
  std::string status;  // "complete"
  int64_t ended_at_ms = 0;
};

// Where a pruned partition's chain starts. The entries before `from` are dropped from every view;
// the catalog objects of commits up to `removed_through_seq` (and the checkpoints covering them)
// are no longer read, so prune may remove them.
struct CatalogFloor {
  int format_version = kCatalogFormatVersion;
  std::string topic;
  int32_t partition = 0;
  int64_t from = 0;                    // a chain boundary: the first retained stretch starts here
  int64_t removed_through_seq = 0;     // commits and checkpoints with seq <= this are unread
  int64_t earliest_restorable_ms = 0;  // every record with a timestamp at or after it is kept
  int64_t created_at_ms = 0;
  PartitionTotals pruned;              // of the entries before `from`
};

// A process working on a backup, so prune and delete know to wait. Rewritten to push
// expires_at_ms forward while the process runs; removed when it ends.
struct CatalogLease {
  int format_version = kCatalogFormatVersion;
  std::string lease_id;        // also its key's name
  std::string kind;            // "backup" | "restore"
  std::string holder;          // host and pid, for messages
  int64_t reads_from_ms = 0;   // restore: the oldest record timestamp it may read (0 = all)
  int64_t acquired_at_ms = 0;
  int64_t expires_at_ms = 0;
  // A scale-out backup's member: its group, member id, and the partitions the group assigned it
  // ("topic/partition"). Absent for other holders.
  std::string group, member_id;
  std::vector<std::string> partitions;
};

// Compact JSON, keys sorted, one trailing newline: the bytes whose SHA-256 the chain records.
std::string Serialize(const CatalogCommit& c);
std::string Serialize(const CatalogCheckpoint& c);
std::string Serialize(const CatalogRun& r);
std::string Serialize(const CatalogTopicAdded& t);
std::string Serialize(const CatalogRunEnd& e);
std::string Serialize(const CatalogFloor& f);
std::string Serialize(const CatalogLease& l);

// kCorrupt naming the document and the JSON path; kInvalidArgument for a newer format_version.
Result<CatalogCommit> ParseCatalogCommit(const std::string& text);
Result<CatalogCheckpoint> ParseCatalogCheckpoint(const std::string& text);
Result<CatalogRun> ParseCatalogRun(const std::string& text);
Result<CatalogTopicAdded> ParseCatalogTopicAdded(const std::string& text);
Result<CatalogRunEnd> ParseCatalogRunEnd(const std::string& text);
Result<CatalogFloor> ParseCatalogFloor(const std::string& text);
Result<CatalogLease> ParseCatalogLease(const std::string& text);

}  // namespace kb::format
