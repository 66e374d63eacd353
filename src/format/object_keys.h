// Every object key the tool writes is built here, and only here.
// Keys are relative to the store's root (directory, or bucket + prefix).
#pragma once

#include <cstdint>
#include <string>

namespace kb::format {

// "pitr-backup/manifest.json"
std::string ManifestKey(const std::string& backup_id);
// "pitr-backup/topics/payments/2/00000000000000000100-00000000000000000199.kbs"
std::string SegmentKey(const std::string& backup_id, const std::string& topic, int32_t partition,
                       int64_t first_offset, int64_t last_offset);
// Format-2 catalog (docs/FORMAT.md). A run id sorts newest first: 9999999999 minus the epoch,
// then a random tag that tells apart two processes that picked the same epoch.
// "9999999996-1a2b3c4d" (epoch 3)
std::string CatalogRunId(int64_t epoch, const std::string& tag);
// The epoch a run id stands for, or -1 when `run_id` is not one.
int64_t CatalogRunEpoch(const std::string& run_id);
// "pitr-backup/catalog/"
std::string CatalogPrefix(const std::string& backup_id);
// "pitr-backup/catalog/runs/"
std::string CatalogRunsPrefix(const std::string& backup_id);
// "pitr-backup/catalog/runs/9999999996-1a2b3c4d/run.json"
std::string CatalogRunKey(const std::string& backup_id, const std::string& run_id);
// "pitr-backup/catalog/runs/9999999996-1a2b3c4d/topics/" and ".../topics/000002.json" (the run's 2nd)
std::string CatalogRunTopicsPrefix(const std::string& backup_id, const std::string& run_id);
std::string CatalogRunTopicKey(const std::string& backup_id, const std::string& run_id, int64_t n);
// "pitr-backup/catalog/runs/9999999996-1a2b3c4d/end.json"
std::string CatalogRunEndKey(const std::string& backup_id, const std::string& run_id);
// "pitr-backup/catalog/partitions/payments/2/commits/": newest run first, then highest seq first
std::string CatalogCommitPrefix(const std::string& backup_id, const std::string& topic, int32_t partition);
// "pitr-backup/catalog/partitions/payments/2/commits/9999999996-1a2b3c4d-999999999958.json" (seq 41)
std::string CatalogCommitKey(const std::string& backup_id, const std::string& topic, int32_t partition,
                             const std::string& run_id, int64_t seq);
// "pitr-backup/catalog/partitions/payments/2/checkpoints/000000000032-9999999996-1a2b3c4d.json"
std::string CatalogCheckpointKey(const std::string& backup_id, const std::string& topic, int32_t partition,
                                 const std::string& run_id, int64_t seq);
// "pitr-backup/catalog/partitions/payments/2/checkpoints/": oldest first
std::string CatalogCheckpointPrefix(const std::string& backup_id, const std::string& topic, int32_t partition);
// "pitr-backup/catalog/partitions/payments/2/floors/": the floor with the highest `from` first
std::string CatalogFloorPrefix(const std::string& backup_id, const std::string& topic, int32_t partition);
// "pitr-backup/catalog/partitions/payments/2/floors/9223372036854775707.json" (from 100)
std::string CatalogFloorKey(const std::string& backup_id, const std::string& topic, int32_t partition, int64_t from);
// The seq a commit or checkpoint key names, or -1 when `key` is not one.
int64_t CatalogCommitKeySeq(const std::string& key);
int64_t CatalogCheckpointKeySeq(const std::string& key);
// The run id a commit key names ("" when `key` is not one).
std::string CatalogCommitKeyRunId(const std::string& key);
// "pitr-backup/leases/" and "pitr-backup/leases/restore-1764000000000-1a2b3c4d.json"
std::string LeasePrefix(const std::string& backup_id);
std::string LeaseKey(const std::string& backup_id, const std::string& lease_id);
// "pitr-backup/topics/payments/2/": a partition's segments, lowest offsets first
std::string SegmentPrefix(const std::string& backup_id, const std::string& topic, int32_t partition);
// The offsets a segment key (either form) names; false when `key` is not a segment key.
bool ParseSegmentKey(const std::string& key, int64_t* first_offset, int64_t* last_offset);
// A format-2 segment carries its run id, so two processes never write the same key:
// "pitr-backup/topics/payments/2/00000000000000000100-00000000000000000199-9999999996-1a2b3c4d.kbs"
std::string SegmentKeyForRun(const std::string& backup_id, const std::string& topic, int32_t partition,
                             int64_t first_offset, int64_t last_offset, const std::string& run_id);
// "pitr-backup/consumer-offsets/00000001764000000000.json" (capture time, epoch ms)
std::string OffsetCaptureKey(const std::string& backup_id, int64_t captured_at_ms);
// "pitr-backup/consumer-offsets/"
std::string OffsetCapturePrefix(const std::string& backup_id);
// The capture time an offset capture key names, or -1 when `key` is not one.
int64_t OffsetCaptureKeyTime(const std::string& key);
// "pitr-backup/restores/restore-20261124T101530123Z/report.json"
std::string RestoreReportKey(const std::string& backup_id, const std::string& restore_id);
// "pitr-backup/restores/restore-20261124T101530123Z/offset-mapping.json"
std::string OffsetMappingKey(const std::string& backup_id, const std::string& restore_id);
// "pitr-backup/restores/restore-20261124T101530123Z/progress.json" (resume checkpoint)
std::string RestoreProgressKey(const std::string& backup_id, const std::string& restore_id);
// "pitr-backup/restores/"
std::string RestorePrefix(const std::string& backup_id);
// "offset-snapshots/snapshot-20261124T101530123Z-1a2b3c.json"
std::string SnapshotKey(const std::string& snapshot_id);
// "offset-snapshots/"
std::string SnapshotPrefix();

}  // namespace kb::format
