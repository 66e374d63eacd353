#include "restore/restore_parts.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "catalog/documents.h"
#include "core/time_util.h"

namespace kb {

using nlohmann::json;

std::string RestorePartSuffix(int parts, int index) {
  if (parts <= 1) return "";
  return "-part-" + std::to_string(index) + "-of-" + std::to_string(parts);
}

Status KeepRestorePart(int parts, int index, std::vector<SelectedPartition>& partitions) {
  std::vector<std::pair<std::string, int32_t>> targets;
  for (const auto& p : partitions) {
    if (p.target_partition < 0)
      return Fail(ErrorCode::kInvalidArgument,
                  "restore.repartitioning spreads every source partition over every target partition, so a restore "
                  "with it cannot be split into parts: run it on one machine (without --workers)");
    targets.emplace_back(p.target_topic, p.target_partition);
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  // The i-th target partition (sorted) belongs to part i mod parts: the same on every machine.
  auto part_of = [&](const SelectedPartition& p) {
    auto at = std::lower_bound(targets.begin(), targets.end(), std::make_pair(p.target_topic, p.target_partition));
    return static_cast<int>((at - targets.begin()) % parts);
  };
  partitions.erase(std::remove_if(partitions.begin(), partitions.end(),
                                  [&](const SelectedPartition& p) { return part_of(p) != index; }),
                   partitions.end());
  return {};
}

std::string TargetBootstrapList(const Config& c) {
  std::vector<std::string> b = c.target->bootstrap_servers;
  std::sort(b.begin(), b.end());
  std::string s;
  for (const auto& x : b) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::string RestoreFingerprint(const Config& c) {
  auto ms = [](const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); };
  json j;
  j["target"] = TargetBootstrapList(c);
  j["start"] = ms(c.restore.time_window_start);
  j["end"] = ms(c.restore.time_window_end);
  j["topic_mapping"] = c.restore.topic_mapping;
  json pm = json::object();
  for (const auto& [k, v] : c.restore.partition_mapping) pm[std::to_string(k)] = v;
  j["partition_mapping"] = pm;
  j["source_partitions"] = c.restore.source_partitions;
  j["repartitioning"] = c.restore.repartitioning;
  j["include"] = c.target->topics.include;
  j["exclude"] = c.target->topics.exclude;
  j["headers"] = c.restore.include_original_offset_header || c.restore.consumer_group_strategy == format::ResetStrategy::kHeaderBased;
  if (c.restore.parts > 1) j["parts"] = c.restore.parts;  // every part of one restore has the same
  return j.dump();
}

Result<RestoreResult> GatherRestoreParts(const Config& config, ObjectStore& store) {
  const int parts = config.restore.parts;
  const std::string fingerprint = RestoreFingerprint(config);
  KB_ASSIGN_OR_RETURN(auto restores, ListRestores(store, config.backup_id));
  RestoreResult out;
  out.restore_id = "restore-" + CompactTimestampMs(NowMs()) + "-all-of-" + std::to_string(parts);
  out.mapping.backup_id = config.backup_id;
  out.mapping.restore_id = out.restore_id;
  out.mapping.created_at_ms = NowMs();
  out.mapping.time_window_start = config.restore.time_window_start;
  out.mapping.time_window_end = config.restore.time_window_end;
  std::vector<std::string> missing;
  for (int i = 0; i < parts; ++i) {
    const std::string suffix = RestorePartSuffix(parts, i);
    std::optional<format::RestoreReport> report;
    // The newest complete restore of this part with this config.
    for (auto it = restores.rbegin(); it != restores.rend() && !report; ++it) {
      const std::string& id = it->restore_id;
      if (id.size() <= suffix.size() || id.compare(id.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
      if (!it->has_report || !it->has_mapping) continue;
      KB_ASSIGN_OR_RETURN(auto r, LoadRestoreReport(store, config.backup_id, id));
      if (r.complete && r.fingerprint == fingerprint) report = std::move(r);
    }
    if (!report) {
      missing.push_back(std::to_string(i));
      continue;
    }
    KB_ASSIGN_OR_RETURN(auto mapping, LoadOffsetMapping(store, config.backup_id, report->restore_id));
    for (auto& pm : mapping.partitions) out.mapping.partitions.push_back(std::move(pm));
    out.records += report->records;
    out.bytes += report->bytes;
    out.partitions_total += report->partitions_total;
    out.report.part_restores.push_back(report->restore_id);
    for (auto& p : report->partitions) out.report.partitions.push_back(std::move(p));
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return Fail(ErrorCode::kNotFound,
                "backup '" + config.backup_id + "': part(s) " + list + " of " + std::to_string(parts) +
                    " have no complete restore with this config yet; consumer offsets are reset only once every "
                    "part has finished: run `kafka-backup restore --config ... --workers " + std::to_string(parts) +
                    " --worker-index N` for each of them (again, to resume one that stopped), then this command");
  }
  out.complete = true;
  out.partitions_complete = out.partitions_total;
  format::RestoreReport& rep = out.report;
  rep.restore_id = out.restore_id;
  rep.backup_id = config.backup_id;
  rep.target = TargetBootstrapList(config);
  rep.time_window_start = config.restore.time_window_start;
  rep.time_window_end = config.restore.time_window_end;
  rep.complete = true;
  rep.status = "complete";
  rep.records = out.records;
  rep.bytes = out.bytes;
  rep.partitions_total = out.partitions_total;
  rep.partitions_complete = out.partitions_complete;
  rep.fingerprint = fingerprint;
  rep.parts = parts;
  rep.consumer_group_strategy = format::ResetStrategyName(config.restore.consumer_group_strategy);
  rep.snapshot_id = config.restore.snapshot_id;
  // Stored as a restore of its own, so offset-reset and the rollback find one mapping for all.
  KB_TRY(StoreOffsetMapping(store, out.mapping));
  KB_TRY(StoreRestoreReport(store, rep));
  std::string ids;
  for (const auto& id : rep.part_restores) ids += (ids.empty() ? "" : ", ") + id;
  spdlog::info("restore parts {} merged as {}", ids, out.restore_id);
  return out;
}

}  // namespace kb
