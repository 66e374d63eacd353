#include "format/object_keys.h"

#include <cstdint>
#include <string_view>

#include <fmt/format.h>

namespace kb::format {
namespace {

// 20 digits hold any non-negative int64, so keys sort by number as plain strings.
std::string Padded(int64_t v) { return fmt::format("{:020d}", v); }

constexpr int64_t kMaxEpoch = 9999999999;       // 10 digits
constexpr int64_t kMaxSeq = 999999999999;        // 12 digits
constexpr int64_t kMaxFrom = INT64_MAX;          // 19 digits

// The file name of `key` (after its last '/'), without `suffix`; "" when it lacks the suffix.
std::string_view BaseName(std::string_view key, std::string_view suffix) {
  const size_t slash = key.rfind('/');
  std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (name.size() < suffix.size() || name.substr(name.size() - suffix.size()) != suffix) return {};
  return name.substr(0, name.size() - suffix.size());
}

// The number a run of up to 19 decimal digits writes, or -1.
int64_t Digits(std::string_view text) {
  if (text.empty() || text.size() > 19) return -1;
  uint64_t v = 0;  // 19 digits fit; the int64 range is checked at the end
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v > static_cast<uint64_t>(INT64_MAX) ? -1 : static_cast<int64_t>(v);
}

// A Padded() field: 20 digits, the first always 0 for a non-negative int64; or -1.
int64_t Padded20(std::string_view text) {
  if (text.size() != 20 || text[0] != '0') return -1;
  return Digits(text.substr(1));
}

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

std::string CatalogCheckpointPrefix(const std::string& backup_id, const std::string& topic, int32_t partition) {
  return CatalogPartitionPrefix(backup_id, topic, partition) + "checkpoints/";
}

std::string CatalogFloorPrefix(const std::string& backup_id, const std::string& topic, int32_t partition) {
  return CatalogPartitionPrefix(backup_id, topic, partition) + "floors/";
}

std::string CatalogFloorKey(const std::string& backup_id, const std::string& topic, int32_t partition, int64_t from) {
  return CatalogFloorPrefix(backup_id, topic, partition) + fmt::format("{:019d}.json", kMaxFrom - from);
}

int64_t CatalogCommitKeySeq(const std::string& key) {
  // <run id>-<kMaxSeq - seq, 12 digits>.json
  std::string_view name = BaseName(key, ".json");
  if (name.size() < 13 || name[name.size() - 13] != '-') return -1;
  const int64_t inverted = Digits(name.substr(name.size() - 12));
  return inverted < 0 ? -1 : kMaxSeq - inverted;
}

std::string CatalogCommitKeyRunId(const std::string& key) {
  if (CatalogCommitKeySeq(key) < 0) return "";
  std::string_view name = BaseName(key, ".json");
  return std::string(name.substr(0, name.size() - 13));
}

int64_t CatalogCheckpointKeySeq(const std::string& key) {
  // <seq, 12 digits>-<run id>.json
  std::string_view name = BaseName(key, ".json");
  if (name.size() < 13 || name[12] != '-') return -1;
  return Digits(name.substr(0, 12));
}

std::string LeasePrefix(const std::string& backup_id) { return backup_id + "/leases/"; }

std::string LeaseKey(const std::string& backup_id, const std::string& lease_id) {
  return LeasePrefix(backup_id) + lease_id + ".json";
}

std::string SegmentPrefix(const std::string& backup_id, const std::string& topic, int32_t partition) {
  return backup_id + "/topics/" + topic + "/" + std::to_string(partition) + "/";
}

bool ParseSegmentKey(const std::string& key, int64_t* first_offset, int64_t* last_offset) {
  // <first, 20 digits>-<last, 20 digits>[-<run id>].kbs
  std::string_view name = BaseName(key, ".kbs");
  if (name.size() < 41 || name[20] != '-' || (name.size() > 41 && name[41] != '-')) return false;
  *first_offset = Padded20(name.substr(0, 20));
  *last_offset = Padded20(name.substr(21, 20));
  return *first_offset >= 0 && *last_offset >= 0;
}

int64_t OffsetCaptureKeyTime(const std::string& key) { return Padded20(BaseName(key, ".json")); }

std::string SegmentKeyForRun(const std::string& backup_id, const std::string& topic, int32_t partition,
                             int64_t first_offset, int64_t last_offset, const std::string& run_id) {
  return SegmentPrefix(backup_id, topic, partition) + Padded(first_offset) + "-" +
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
