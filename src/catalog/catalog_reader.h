// The catalog reader: what a backup holds, as one format::Manifest view, whatever the format on
// storage.
//   format 1  one manifest.json, rewritten on every commit (backups of earlier versions);
//   format 2  write-once run, commit and checkpoint objects under <backup_id>/catalog/
//             (docs/FORMAT.md). The newest run speaks for the backup; each partition's state is
//             its newest run's newest commit, followed back through its predecessors to the newest
//             checkpoint and through the checkpoints to the first. Every link is checked by
//             SHA-256 and every stretch of the source log must chain to the next: a missing or
//             altered piece is kCorrupt naming the partition and the offsets, never restored around.
// Cost: per partition, one listing plus the commits since its newest checkpoint (at most
// kCheckpointEvery) plus its checkpoints; partitions load in parallel.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/catalog_docs.h"
#include "format/manifest.h"
#include "kafka/types.h"
#include "storage/backend.h"

namespace kb {

// Commits between checkpoints: bounds what a reader fetches after the newest checkpoint.
inline constexpr int64_t kCheckpointEvery = 32;

// Where a format-2 partition's chain ends: what a writer continues from.
struct PartitionHead {
  int64_t seq = 0;                                   // of the newest commit
  format::DocRef commit;                             // the newest commit
  std::optional<format::DocRef> checkpoint;          // the newest checkpoint on the chain
  std::vector<format::ChainEntry> since_checkpoint;  // entries of the commits after it
  format::PartitionTotals totals;
  int64_t to = 0;                                    // end of the chain: the resume position
};

struct CatalogState {
  int format_version = 0;     // 1 or 2
  format::Manifest manifest;  // the view every engine reads
  // Format 2 only:
  std::string newest_run_id;
  std::map<kafka::TopicPartition, PartitionHead> heads;
  // What each partition holds now (both formats; not with kHeads). Pruned records are not counted.
  // From kSummary, a pruned partition's min_timestamp is its earliest restorable time.
  std::map<kafka::TopicPartition, format::PartitionTotals> figures;
};

// How much of each format-2 partition to load.
enum class CatalogDepth {
  kFull,   // every entry, checked end to end: what restores and inspections read
  kHeads,  // the head and the commits after the newest checkpoint only (a writer resuming): the
           // view's partitions then carry next_offset but no segments or gaps
  kSummary,  // kHeads plus the newest checkpoint (checked against the commits after it), the floor
             // and the figures: what list, status and describe show, at a cost per partition that
             // does not grow with its segments
};

// One format-2 partition's chain as a reader sees it: what prune works from.
struct PartitionChain {
  PartitionHead head;
  std::optional<format::CatalogFloor> floor;  // the newest floor prune wrote (not with kHeads)
  std::vector<format::ChainEntry> entries;    // kFull: from the floor (or the start) to the head
  int64_t tail_from = 0;                      // where the commits after head.checkpoint start
  // The checkpoints read, newest first: where each one's entries start, and the seq of the one
  // before it.
  struct CheckpointRead {
    int64_t from = 0;
    int64_t after_seq = 0;
  };
  std::vector<CheckpointRead> checkpoints_read;
};

// nullopt when the partition has no commit yet. kHeads and kSummary: `entries` holds the commits
// after the newest checkpoint only; kHeads reads no floor.
Result<std::optional<PartitionChain>> LoadPartitionChain(ObjectStore& store, const std::string& backup_id,
                                                         const std::string& topic, int32_t partition,
                                                         CatalogDepth depth);

// With a floor at `floor_from`, a reader of `chain` (or of any later head of it) no longer reads
// the commits and checkpoints with a seq at or below the returned one: prune may remove them.
int64_t UnreadThroughSeq(const PartitionChain& chain, int64_t floor_from);

// The partitions a format-2 backup's newest run knows. kInvalidArgument naming the way out for a
// format-1 backup; kNotFound when there is no backup.
Result<std::vector<kafka::TopicPartition>> CatalogPartitions(ObjectStore& store, const std::string& backup_id);

// kNotFound (naming the backup and the location, with what to check) when there is no backup.
Result<CatalogState> LoadCatalog(ObjectStore& store, const std::string& backup_id,
                                 CatalogDepth depth = CatalogDepth::kFull);
// LoadCatalog's view.
Result<format::Manifest> LoadManifest(ObjectStore& store, const std::string& backup_id);

// Ids of the backups under the store's root, sorted: one delimiter listing of the root plus one
// small request per candidate, however many objects the backups hold.
Result<std::vector<std::string>> ListBackupIds(ObjectStore& store);

// Scale-out backups: the group member whose run made each partition's newest commit (partitions
// whose newest run had no group are left out). One small read per run that still heads a partition.
Result<std::map<kafka::TopicPartition, std::string>> HeadCommitters(ObjectStore& store, const std::string& backup_id,
                                                                    const CatalogState& state);

// The newest run of a format-2 backup ("" when it has none), with one small listing.
Result<std::string> NewestRunId(ObjectStore& store, const std::string& backup_id);

}  // namespace kb
