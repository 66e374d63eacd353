#include "retention/backup_delete.h"

#include <algorithm>
#include <iterator>

#include "catalog/lease.h"
#include "catalog/retention_objects.h"
#include "core/time_util.h"

namespace kb {
Result<DeleteBackupReport> DeleteBackup(ObjectStore& store, const std::string& backup_id, bool force) {
  if (backup_id.empty() || backup_id.find('/') != std::string::npos)
    return Fail(ErrorCode::kInvalidArgument, "'" + backup_id + "' is not a backup id");
  KB_ASSIGN_OR_RETURN(auto objects, store.List(backup_id + "/"));
  if (objects.empty())
    return Fail(ErrorCode::kNotFound, "backup '" + backup_id + "' not found in " + store.Describe() +
                                          ": nothing is stored under that id (the list command shows the backups)");
  DeleteBackupReport report;
  report.backup_id = backup_id;
  KB_ASSIGN_OR_RETURN(auto leases, LiveLeases(store, backup_id, NowMs()));
  if (!leases.empty() && !force) {
    std::string held;
    for (const auto& l : leases) held += (held.empty() ? "" : "; ") + DescribeLease(l);
    return Fail(ErrorCode::kConflict, "backup '" + backup_id + "' is in use: " + held +
                                          ". Stop it first, or pass --force to delete it anyway");
  }
  for (const auto& l : leases) report.forced_past.push_back(DescribeLease(l));

  const auto first_rest = std::stable_partition(objects.begin(), objects.end(), [&](const ObjectInfo& o) {
    return MakesTheBackup(backup_id, o.key);
  });
  std::vector<ObjectInfo> rest(std::make_move_iterator(first_rest), std::make_move_iterator(objects.end()));
  objects.erase(first_rest, objects.end());
  for (const auto* batch : {&objects, &rest}) {  // what makes it a backup first
    Removal removal = RemoveAll(store, *batch);
    for (size_t i = 0; i < batch->size(); ++i) {
      if (!removal.removed[i]) continue;
      report.objects_removed++;
      report.bytes_removed += (*batch)[i].size;
    }
    report.kept.insert(report.kept.end(), removal.kept.begin(), removal.kept.end());
    if (removal.error) return Fail(removal.error->With("deleting backup '" + backup_id + "' (run delete again to finish)"));
  }
  std::sort(report.kept.begin(), report.kept.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return report;
}

nlohmann::json DeleteBackupReport::ToJson() const {
  using nlohmann::json;
  json kept_json = json::array();
  for (const auto& k : kept)
    kept_json.push_back(
        json{{"key", k.key}, {"kept_until", k.until_ms > 0 ? json(FormatTimestampMs(k.until_ms)) : json(nullptr)}});
  return json{{"backup_id", backup_id},
              {"objects_removed", objects_removed},
              {"bytes_removed", bytes_removed},
              {"kept_under_retention", std::move(kept_json)},
              {"forced_past", forced_past},
              {"complete", kept.empty()}};
}

}  // namespace kb
