// Manifest: the commit point of a backup. Segments are written first; the manifest that
// references them is written last, so a reader never sees a partial backup. Stored as JSON at
// ObjectKeys::Manifest(backup_id); schema in docs/FORMAT.md ("format_version": 1).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"

namespace kb::format {

inline constexpr int kManifestFormatVersion = 1;

struct SegmentRef {
  std::string key;                 // object key of the segment
  int64_t first_offset = 0, last_offset = 0;
  int64_t min_timestamp = 0, max_timestamp = 0;
  uint64_t record_count = 0;
  uint64_t raw_bytes = 0, stored_bytes = 0;
  uint32_t crc32c = 0;             // of the whole object
  std::string codec;               // "zstd" | "lz4" | "none"
};

// Records that existed in the log but were gone (retention, DeleteRecords) before being read.
struct Gap {
  int64_t from_offset = 0;         // first missing offset
  int64_t to_offset = 0;           // last missing offset (inclusive)
  std::string reason;              // e.g. "offset out of range: log start moved to 120"
  int64_t detected_at_ms = 0;
};

struct PartitionManifest {
  int32_t partition = 0;
  std::vector<SegmentRef> segments;  // in offset order, non-overlapping
  std::vector<Gap> gaps;
  // Resume checkpoint: the next source offset to read. Never ahead of durable segments.
  int64_t next_offset = 0;
  int64_t end_offset_at_start = -1;  // high watermark (or LSO) captured at start; -1 unknown
  // Set when retention pruned the partition (format 2): every record with a timestamp at or after
  // it is kept; older ones may be gone. 0 = nothing was pruned.
  int64_t earliest_restorable_ms = 0;
  uint64_t record_count() const;
};

struct TopicManifest {
  std::string name;
  int32_t partition_count = 0;
  int16_t replication_factor = 0;
  std::map<std::string, std::string> configs;  // non-default topic configs, e.g. cleanup.policy
  std::vector<PartitionManifest> partitions;   // sorted by partition
  PartitionManifest* FindPartition(int32_t p);
  const PartitionManifest* FindPartition(int32_t p) const;
};

struct Manifest {
  int format_version = kManifestFormatVersion;
  std::string backup_id;
  std::string status = "in_progress";   // "in_progress" | "complete"
  std::string mode;                     // "one-shot" | "snapshot" | "continuous"
  std::string compression;              // codec used for new segments
  std::string cluster_id;
  std::string source_bootstrap;         // "host:port,..." of the source: a restore's default target
  std::string tool_version;
  int64_t created_at_ms = 0, updated_at_ms = 0;
  std::vector<TopicManifest> topics;    // sorted by name
  TopicManifest* FindTopic(const std::string& name);
  const TopicManifest* FindTopic(const std::string& name) const;
};

std::string SerializeManifest(const Manifest& m);
// The JSON of a segment ref and of a gap, shared by the manifest and the format-2 catalog.
nlohmann::json ToJson(const SegmentRef& s);
nlohmann::json ToJson(const Gap& g);
// kCorrupt on unparsable JSON or missing fields; kInvalidArgument on a newer format_version.
Result<Manifest> ParseManifest(const std::string& json);

}  // namespace kb::format
