#include "format/object_keys.h"

#include <fmt/format.h>

namespace kb::format {
namespace {

// 20 digits hold any non-negative int64, so keys sort by number as plain strings.
std::string Padded(int64_t v) { return fmt::format("{:020d}", v); }

}  // namespace

std::string ManifestKey(const std::string& backup_id) { return backup_id + "/manifest.json"; }

std::string SegmentKey(const std::string& backup_id, const std::string& topic, int32_t partition,
                       int64_t first_offset, int64_t last_offset) {
  return backup_id + "/topics/" + topic + "/" + std::to_string(partition) + "/" + Padded(first_offset) + "-" +
         Padded(last_offset) + ".kbs";
}

std::string OffsetCaptureKey(const std::string& backup_id, int64_t captured_at_ms) {
  return OffsetCapturePrefix(backup_id) + Padded(captured_at_ms) + ".json";
}

std::string OffsetCapturePrefix(const std::string& backup_id) { return backup_id + "/consumer-offsets/"; }

std::string RestoreReportKey(const std::string& backup_id, const std::string& restore_id) {
  return RestorePrefix(backup_id) + restore_id + "/report.json";
}

std::string OffsetMappingKey(const std::string& backup_id, const std::string& restore_id) {
  return RestorePrefix(backup_id) + restore_id + "/offset-mapping.json";
}

std::string RestoreProgressKey(const std::string& backup_id, const std::string& restore_id) {
  return RestorePrefix(backup_id) + restore_id + "/progress.json";
}

std::string RestorePrefix(const std::string& backup_id) { return backup_id + "/restores/"; }

std::string SnapshotKey(const std::string& snapshot_id) { return SnapshotPrefix() + snapshot_id + ".json"; }

std::string SnapshotPrefix() { return "offset-snapshots/"; }

}  // namespace kb::format
