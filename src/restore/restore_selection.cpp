#include "restore/restore_selection.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "config/topic_filter.h"
#include "core/time_util.h"
#include "restore/restore_parts.h"

namespace kb {
namespace {

std::string Bootstrap(const Config& c) {
  std::string s;
  for (const auto& b : c.target->bootstrap_servers) s += (s.empty() ? "" : ",") + b;
  return s;
}

// Fills partition counts, partition targets, problems about them, and exclusivity.
void ResolvePartitions(const Config& config, RestoreSelection& sel) {
  const auto& r = config.restore;
  std::map<std::pair<std::string, int32_t>, int> writers;
  std::set<std::string> repartitioned_topics;
  for (auto& p : sel.partitions) {
    const auto& t = sel.targets.at(p.target_topic);
    p.target_partition_count = t.partition_count;
    if (r.repartitioning) {
      p.target_partition = -1;
      repartitioned_topics.insert(p.target_topic);
      continue;
    }
    auto it = r.partition_mapping.find(p.source_partition);
    p.target_partition = it == r.partition_mapping.end() ? p.source_partition : it->second;
    if (p.target_partition < 0 || p.target_partition >= t.partition_count)
      sel.problems.push_back("source topic=" + p.source_topic + " partition=" + std::to_string(p.source_partition) +
                             " would go to target topic=" + p.target_topic + " partition=" +
                             std::to_string(p.target_partition) + ", but that topic has " +
                             std::to_string(t.partition_count) +
                             " partitions: set restore.partition_mapping or restore.repartitioning: true");
    writers[{p.target_topic, p.target_partition}]++;
  }
  for (auto& p : sel.partitions) {
    p.exclusive = p.target_partition >= 0 && !repartitioned_topics.count(p.target_topic) &&
                  writers[{p.target_topic, p.target_partition}] == 1;
  }
}

}  // namespace

namespace {

// A window that starts before what retention kept would silently restore less than asked.
Status CheckWindowIsRestorable(const std::optional<int64_t>& window_start, const RestoreSelection& sel) {
  const SelectedPartition* latest = nullptr;
  for (const auto& p : sel.partitions)
    if (p.manifest->earliest_restorable_ms > 0 &&
        (!latest || p.manifest->earliest_restorable_ms > latest->manifest->earliest_restorable_ms))
      latest = &p;
  if (!latest) return {};
  const std::string earliest = FormatTimestampMs(latest->manifest->earliest_restorable_ms);
  if (!window_start) {
    spdlog::info("backup '{}' was pruned by retention: restoring what it holds, all of it from {} on",
                 sel.manifest.backup_id, earliest);
    return {};
  }
  if (*window_start >= latest->manifest->earliest_restorable_ms) return {};
  return Fail(ErrorCode::kInvalidArgument,
              "the restore window starts at " + FormatTimestampMs(*window_start) + ", before the earliest restorable " +
                  "time of backup '" + sel.manifest.backup_id + "': topic=" + latest->source_topic + " partition=" +
                  std::to_string(latest->source_partition) + " holds records from " + earliest +
                  " on (older ones were pruned by retention). Start the window at or after " + earliest);
}

}  // namespace

Result<RestoreSelection> SelectForRestore(const Config& config, format::Manifest manifest, kafka::AdminClient& admin) {
  RestoreSelection sel;
  sel.manifest = std::move(manifest);
  TopicSelection topics;
  if (config.target) topics = config.target->topics;
  KB_ASSIGN_OR_RETURN(auto filter, TopicFilter::Create(topics));
  for (const auto& literal : filter.LiteralIncludes())
    if (!sel.manifest.FindTopic(literal))
      sel.problems.push_back("topic '" + literal + "' named in target.topics.include is not in backup '" +
                             sel.manifest.backup_id + "'");
  const auto& r = config.restore;
  std::set<int32_t> only(r.source_partitions.begin(), r.source_partitions.end());
  for (const auto& tm : sel.manifest.topics) {
    if (!filter.Matches(tm.name)) continue;
    auto mapped = r.topic_mapping.find(tm.name);
    std::string target = mapped == r.topic_mapping.end() ? tm.name : mapped->second;
    if (!sel.targets.count(target)) {
      TargetTopicState ts;
      ts.name = target;
      ts.source_topic = tm.name;
      ts.captured_configs = tm.configs;
      ts.captured_partition_count = tm.partition_count;
      auto desc = admin.DescribeTopic(target);
      if (desc) {
        ts.exists = true;
        ts.partition_count = static_cast<int32_t>(desc->partitions.size());
      } else if (desc.error().code == ErrorCode::kNotFound) {
        ts.partition_count = tm.partition_count;
        if (!r.create_topics)
          sel.problems.push_back("target topic '" + target + "' does not exist on " + Bootstrap(config) +
                                 ": set restore.create_topics: true to create it with the captured configuration");
      } else {
        return Fail(desc.error());
      }
      sel.targets.emplace(target, ts);
    }
    for (const auto& pm : tm.partitions) {
      if (!only.empty() && !only.count(pm.partition)) continue;
      SelectedPartition p;
      p.source_topic = tm.name;
      p.source_partition = pm.partition;
      p.target_topic = target;
      p.manifest = &pm;
      sel.partitions.push_back(p);
    }
  }
  KB_TRY(CheckWindowIsRestorable(r.time_window_start, sel));
  ResolvePartitions(config, sel);
  if (r.parts > 1) KB_TRY(KeepRestorePart(r.parts, r.part_index, sel.partitions));
  return sel;
}

Status RefreshTargets(RestoreSelection& sel, kafka::AdminClient& admin) {
  for (auto& [name, ts] : sel.targets) {
    auto desc = admin.DescribeTopic(name);
    if (desc) {
      ts.exists = true;
      ts.partition_count = static_cast<int32_t>(desc->partitions.size());
    } else if (desc.error().code != ErrorCode::kNotFound) {
      return Fail(desc.error());
    }
  }
  for (auto& p : sel.partitions) p.target_partition_count = sel.targets.at(p.target_topic).partition_count;
  return {};
}

}  // namespace kb
