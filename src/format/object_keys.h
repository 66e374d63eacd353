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
// "pitr-backup/consumer-offsets/00000001764000000000.json" (capture time, epoch ms)
std::string OffsetCaptureKey(const std::string& backup_id, int64_t captured_at_ms);
// "pitr-backup/consumer-offsets/"
std::string OffsetCapturePrefix(const std::string& backup_id);
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
