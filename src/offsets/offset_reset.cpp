#include "offsets/offset_reset.h"

#include <algorithm>
#include <sstream>

#include "catalog/documents.h"
#include "core/time_util.h"

namespace kb::offsets {

using nlohmann::json;

std::map<std::string, std::vector<kafka::GroupOffset>> ResetPlan::Commits() const {
  std::map<std::string, std::vector<kafka::GroupOffset>> out;
  for (const auto& g : groups) out[g];
  for (const auto& e : entries)
    if (e.commit()) out[e.group].push_back({e.target_topic, e.target_partition, e.target_offset, ""});
  return out;
}

json ResetPlan::ToJson() const {
  json j{{"backup_id", backup_id}, {"restore_id", restore_id}, {"strategy", ResetStrategyName(strategy)},
         {"positions_from", positions_from}, {"groups", groups}, {"entries", json::array()},
         {"problems", problems}, {"warnings", warnings}};
  for (const auto& e : entries)
    j["entries"].push_back({{"group", e.group}, {"source_topic", e.source_topic}, {"source_partition", e.source_partition},
                            {"source_offset", e.source_offset}, {"target_topic", e.target_topic},
                            {"target_partition", e.target_partition}, {"target_offset", e.target_offset},
                            {"mapped_offset", e.mapped_offset}, {"past_restored_range", e.past_restored_range},
                            {"strategy", e.strategy}, {"note", e.note}});
  return j;
}

std::optional<std::pair<int64_t, int64_t>> FirstRestoredAtOrAfter(const PartitionMapping& pm, int64_t c) {
  auto it = std::lower_bound(pm.ranges.begin(), pm.ranges.end(), c,
                             [](const MappingRange& r, int64_t v) { return r.source_offset + r.count - 1 < v; });
  if (it == pm.ranges.end()) return std::nullopt;
  int64_t s = std::max(c, it->source_offset);
  return std::make_pair(s, it->target_offset + (s - it->source_offset));
}

namespace {

std::string Where(const std::string& topic, int32_t p) { return "topic=" + topic + " partition=" + std::to_string(p); }

// Places one partition with the chosen strategy; fills target_offset and note, or returns a problem.
Status Place(ResetPlanEntry& e, const PartitionMapping& pm, ResetStrategy strategy, ResetLookups& lookups) {
  if (e.past_restored_range) {
    // Nothing the group had not read was restored: it resumes at the end of what was restored.
    e.target_offset = pm.target_end_offset;
    e.note = "past the restored range: end of the restored partition";
    return {};
  }
  auto first = FirstRestoredAtOrAfter(pm, e.source_offset);
  int64_t source_at = first ? first->first : e.source_offset;
  switch (strategy) {
    case ResetStrategy::kSkip:
      e.note = "skip: offsets left unchanged";
      return {};
    case ResetStrategy::kManual:
      e.target_offset = e.mapped_offset;
      e.note = "manual: planned from the offset mapping; apply with the script";
      return {};
    case ResetStrategy::kHeaderBased: {
      KB_ASSIGN_OR_RETURN(auto found, lookups.FindByOriginalOffset(pm.target_topic, pm.target_partition,
                                                                   e.source_offset, e.mapped_offset));
      e.target_offset = found ? *found : pm.target_end_offset;
      e.note = found ? "x-original-offset header" : "no record with x-original-offset >= C: end of the restored partition";
      return {};
    }
    case ResetStrategy::kTimestampBased: {
      KB_ASSIGN_OR_RETURN(auto rec, lookups.SourceRecord(e.source_topic, e.source_partition, source_at));
      if (!rec)
        return Fail(ErrorCode::kNotFound, "source record at offset " + std::to_string(source_at) + " is not in the backup");
      KB_ASSIGN_OR_RETURN(auto found, lookups.OffsetForTimestamp(pm.target_topic, pm.target_partition, rec->timestamp));
      e.target_offset = found ? *found : pm.target_end_offset;
      e.note = "offsets_for_times(" + std::to_string(rec->timestamp) + ")";
      return {};
    }
    case ResetStrategy::kClusterScan: {
      auto by_header = lookups.FindByOriginalOffset(pm.target_topic, pm.target_partition, e.source_offset, -1);
      if (by_header) {
        e.target_offset = *by_header ? **by_header : pm.target_end_offset;
        e.note = "scan: x-original-offset header";
        return {};
      }
      if (by_header.error().code != ErrorCode::kNotFound) return tl::unexpected(by_header.error());
      KB_ASSIGN_OR_RETURN(auto rec, lookups.SourceRecord(e.source_topic, e.source_partition, source_at));
      if (!rec)
        return Fail(ErrorCode::kNotFound, "source record at offset " + std::to_string(source_at) + " is not in the backup");
      KB_ASSIGN_OR_RETURN(auto found, lookups.ScanForRecord(pm.target_topic, pm.target_partition, *rec));
      if (!found)
        return Fail(ErrorCode::kNotFound, "no target record matches source offset " + std::to_string(source_at) +
                                              " (key, value, timestamp)");
      e.target_offset = *found;
      e.note = "scan: matched source record " + std::to_string(source_at) + " by key, value and timestamp";
      return {};
    }
  }
  return {};
}

}  // namespace

Result<ResetPlan> PlanReset(const ResetInputs& in, ResetLookups& lookups) {
  if (!in.mapping) return Fail(ErrorCode::kInvalidArgument, "offset reset needs the restore's offset mapping");
  ResetPlan plan;
  plan.backup_id = in.backup_id;
  plan.restore_id = in.mapping->restore_id;
  plan.strategy = in.strategy;
  plan.positions_from = in.positions_from;
  for (const auto& g : in.positions) {
    plan.groups.push_back(g.group);
    for (const auto& o : g.offsets) {
      ResetPlanEntry e;
      e.group = g.group;
      e.source_topic = o.topic;
      e.source_partition = o.partition;
      e.source_offset = o.offset;
      e.strategy = ResetStrategyName(in.strategy);
      const PartitionMapping* pm = in.mapping->Find(o.topic, o.partition);
      auto t = in.mapping->Translate(o.topic, o.partition, o.offset);
      if (!pm || !t) {
        e.note = t ? "not restored" : t.error().message;
        plan.warnings.push_back("group=" + g.group + " " + Where(o.topic, o.partition) + ": " +
                                (pm ? t.error().message : "not restored by " + in.mapping->restore_id + "; left unchanged"));
        if (pm) plan.problems.push_back("group=" + g.group + " " + Where(o.topic, o.partition) + ": " + t.error().message);
        plan.entries.push_back(std::move(e));
        continue;
      }
      e.target_topic = pm->target_topic;
      e.target_partition = pm->target_partition;
      e.mapped_offset = t->offset;
      e.past_restored_range = t->past_restored_range;
      auto st = Place(e, *pm, in.strategy, lookups);
      if (!st) {
        e.target_offset = -1;
        e.note = st.error().message;
        plan.problems.push_back("group=" + g.group + " " + Where(o.topic, o.partition) + " (" +
                                ResetStrategyName(in.strategy) + "): " + st.error().message);
      }
      plan.entries.push_back(std::move(e));
    }
    if (g.offsets.empty())
      plan.warnings.push_back("group=" + g.group + " has no committed offsets in " + in.positions_from + "; nothing to reset");
  }
  return plan;
}

std::string ResetScript(const ResetPlan& plan, const std::string& bootstrap) {
  std::ostringstream s;
  s << "#!/usr/bin/env bash\n"
    << "# Consumer offset reset generated by kafka-backup for backup " << plan.backup_id << ", restore "
    << plan.restore_id << "\n# strategy " << ResetStrategyName(plan.strategy) << ", positions from "
    << plan.positions_from << "\n"
    << "# Stop the groups' consumers first: kafka-consumer-groups refuses to reset an active group.\n"
    << "set -euo pipefail\n"
    << "BOOTSTRAP=\"${BOOTSTRAP:-" << bootstrap << "}\"\n"
    << "KAFKA_CONSUMER_GROUPS=\"${KAFKA_CONSUMER_GROUPS:-kafka-consumer-groups.sh}\"\n";
  for (const auto& p : plan.problems) s << "# NOT PLACED: " << p << "\n";
  for (const auto& e : plan.entries) {
    if (!e.commit()) continue;
    s << "\"$KAFKA_CONSUMER_GROUPS\" --bootstrap-server \"$BOOTSTRAP\" --group '" << e.group << "' --topic '"
      << e.target_topic << ":" << e.target_partition << "' --reset-offsets --to-offset " << e.target_offset
      << " --execute  # source " << e.source_topic << ":" << e.source_partition << "@" << e.source_offset << "\n";
  }
  return s.str();
}

Result<SourcePositions> LoadSourcePositions(ObjectStore& store, const std::string& backup_id,
                                            std::optional<int64_t> as_of_ms, const std::vector<std::string>& groups) {
  KB_ASSIGN_OR_RETURN(auto capture, LoadOffsetCaptureAsOf(store, backup_id, as_of_ms));
  SourcePositions out;
  if (!capture && as_of_ms) {
    // Captures are taken when a backup ends; a backup started after T only has later ones.
    KB_ASSIGN_OR_RETURN(capture, LoadOffsetCaptureAfter(store, backup_id, *as_of_ms));
    if (capture)
      out.warning = "no consumer offsets were captured at or before " + FormatTimestampMs(*as_of_ms) +
                    "; using the first capture after it (" + FormatTimestampMs(capture->captured_at_ms) + ")";
  }
  if (!capture)
    return Fail(ErrorCode::kNotFound, "backup " + backup_id + " in " + store.Describe() +
                                          " has no captured consumer offsets: run `kafka-backup snapshot-groups --config ...` "
                                          "with the backup's config, or name an offset snapshot (restore.snapshot_id)");
  out.captured_at_ms = capture->captured_at_ms;
  out.from = "capture " + FormatTimestampMs(capture->captured_at_ms);
  if (groups.empty()) {
    out.groups = capture->groups;
  } else {
    for (const auto& name : groups) {
      const GroupOffsets* g = capture->Find(name);
      out.groups.push_back(g ? *g : GroupOffsets{name, "", {}});
    }
  }
  return out;
}

}  // namespace kb::offsets
