#include "format/object_keys.h"

#include <fmt/format.h>

namespace kb::format {
namespace {

// 20 digits hold any non-negative int64, so keys sort by number as plain strings.
std::string Padded(int64_t v) { return fmt::format("{:020d}", v); }

constexpr int64_t kMaxEpoch = 9999999999;       // 10 digits
constexpr int64_t kMaxSeq = 999999999999;        // 12 digits

}  // namespace

std::string CatalogRunId(int64_t epoch, const std::string& tag) {
  return fmt::format("{:010d}-{}", kMaxEpoch - epoch, tag);
}

int64_t CatalogRunEpoch(const std::string& run_id) {
  if (run_id.size() < 12 || run_id[10] != '-') return -1;
  int64_t inverted = 0;
  for (size_t i = 0; i < 10; ++i) {
    if (run_id[i] < '0' || run_id[i] > '9') return -1;
    inverted = inverted * 10 + (run_id[i] - '0');
  }
  return kMaxEpoch - inverted;
}

std::string CatalogPrefix(const std::string& backup_id) { return backup_id + "/catalog/"; }

std::string CatalogRunsPrefix(const std::string& backup_id) { return CatalogPrefix(backup_id) + "runs/"; }

std::string CatalogRunKey(const std::string& backup_id, const std::string& run_id) {
  return CatalogRunsPrefix(backup_id) + run_id + "/run.json";
}

std::string CatalogRunTopicsPrefix(const std::string& backup_id, const std::string& run_id) {
  return CatalogRunsPrefix(backup_id) + run_id + "/topics/";
}

std::string CatalogRunTopicKey(const std::string& backup_id, const std::string& run_id, int64_t n) {
  return CatalogRunTopicsPrefix(backup_id, run_id) + fmt::format("{:06d}.json", n);
}

std::string CatalogRunEndKey(const std::string& backup_id, const std::string& run_id) {
  return CatalogRunsPrefix(backup_id) + run_id + "/end.json";
}

static std::string CatalogPartitionPrefix(const std::string& backup_id, const std::string& topic, int32_t partition) {
  return CatalogPrefix(backup_id) + "partitions/" + topic + "/" + std::to_string(partition) + "/";
}

std::string CatalogCommitPrefix(const std::string& backup_id, const std::string& topic, int32_t partition) {
  return CatalogPartitionPrefix(backup_id, topic, partition) + "commits/";
}

std::string CatalogCommitKey(const std::string& backup_id, const std::string& topic, int32_t partition,
                             const std::string& run_id, int64_t seq) {
  return CatalogCommitPrefix(backup_id, topic, partition) + run_id + fmt::format("-{:012d}.json", kMaxSeq - seq);
}

std::string CatalogCheckpointKey(const std::string& backup_id, const std::string& topic, int32_t partition,
                                 const std::string& run_id, int64_t seq) {
  return CatalogPartitionPrefix(backup_id, topic, partition) + fmt::format("checkpoints/{:012d}-", seq) + run_id +
         ".json";
}

std::string SegmentKeyForRun(const std::string& backup_id, const std::string& topic, int32_t partition,
                             int64_t first_offset, int64_t last_offset, const std::string& run_id) {
  return backup_id + "/topics/" + topic + "/" + std::to_string(partition) + "/" + Padded(first_offset) + "-" +
         Padded(last_offset) + "-" + run_id + ".kbs";
}

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
