// RestoreSelection: which source partitions a restore takes, where each one goes, and what the
// target cluster looks like. Shared by RestoreEngine::Plan (report only) and Run (acts on it).
//
// - target.topics include/exclude match SOURCE topic names; no target.topics = every topic in
//   the backup. topic_mapping renames; source_partitions narrows; partition_mapping moves a
//   source partition to another target partition (every topic); repartitioning spreads keyed
//   records by Kafka's murmur2 (unkeyed: source partition % target partition count).
// - Problems (partition out of range, missing topic without create_topics, included literal
//   topic not in the backup) are collected, not thrown: the plan shows them all at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "format/manifest.h"
#include "kafka/admin_client.h"

namespace kb {

struct TargetTopicState {
  std::string name;
  std::string source_topic;          // the (first) source topic restored into it
  bool exists = false;
  int32_t partition_count = 0;       // existing count, or the captured count it would be created with
  std::map<std::string, std::string> captured_configs;
  int32_t captured_partition_count = 0;
};

struct SelectedPartition {
  std::string source_topic;
  int32_t source_partition = 0;
  std::string target_topic;
  int32_t target_partition = 0;      // -1: repartitioned by key
  int32_t target_partition_count = 0;
  const format::PartitionManifest* manifest = nullptr;  // points into RestoreSelection::manifest
  bool exclusive = true;             // the only source partition writing into its target partition
};

struct RestoreSelection {
  format::Manifest manifest;
  std::vector<SelectedPartition> partitions;
  std::map<std::string, TargetTopicState> targets;
  std::vector<std::string> problems;
};

// Builds the selection from the manifest and the target's current topics. Fails only on a bad
// topic pattern or an unreachable target.
Result<RestoreSelection> SelectForRestore(const Config& config, format::Manifest manifest, kafka::AdminClient& admin);

// Recomputes target partition counts and `exclusive` after topics were created or recreated.
Status RefreshTargets(RestoreSelection& sel, kafka::AdminClient& admin);

}  // namespace kb
