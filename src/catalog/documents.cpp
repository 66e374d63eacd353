#include "catalog/documents.h"

#include <algorithm>

#include "core/time_util.h"
#include "format/object_keys.h"
#include "storage/list_pages.h"

namespace kb {

namespace {

Result<format::OffsetCapture> FetchCapture(ObjectStore& store, const std::string& key) {
  KB_ASSIGN_OR_RETURN(std::string text, store.Get(key));
  return format::ParseOffsetCapture(text, key);
}

// The key of the newest capture at or before `as_of_ms` (of all when unset; "" when there is none).
// Keys name the capture time, zero-padded, so key order is time order and a listing can start at a
// time. It starts an hour before, widening to a day, 32 days and then the whole history only when
// the window holds no capture: a lookup costs what lies near its time, not the backup's age.
Result<std::string> LastCaptureKey(ObjectStore& store, const std::string& backup_id, std::optional<int64_t> as_of_ms) {
  constexpr int64_t kHour = 3'600'000;
  const int64_t base = as_of_ms.value_or(NowMs());
  for (const int64_t window : {kHour, 24 * kHour, 32 * 24 * kHour, int64_t{-1}}) {
    const bool whole = window < 0 || base - window <= 0;
    std::string chosen;
    KB_TRY(ListPages(store, format::OffsetCapturePrefix(backup_id),
                     whole ? "" : format::OffsetCaptureKey(backup_id, base - window),
                     [&](const ObjectInfo& o, std::optional<std::string>*) {
                       const int64_t t = format::OffsetCaptureKeyTime(o.key);
                       if (t < 0) return true;
                       if (as_of_ms && t > *as_of_ms) return false;
                       chosen = o.key;
                       return true;
                     }));
    if (!chosen.empty() || whole) return chosen;
  }
  return std::string();
}

// Get whose kNotFound says `not_found` instead of the storage's bare message.
Result<std::string> GetDocument(ObjectStore& store, const std::string& key, const std::string& not_found) {
  auto text = store.Get(key);
  if (!text && text.error().code == ErrorCode::kNotFound) return Fail(ErrorCode::kNotFound, not_found);
  return text;
}

std::string NotFoundIn(ObjectStore& store, const std::string& what, const std::string& key) {
  return what + " not found in " + store.Describe() + " (" + key + ")";
}

}  // namespace

Result<std::string> StoreOffsetCapture(ObjectStore& store, const std::string& backup_id,
                                       const format::OffsetCapture& capture) {
  std::string key = format::OffsetCaptureKey(backup_id, capture.captured_at_ms);
  KB_TRY(store.Put(key, format::Serialize(capture)));
  return key;
}

Result<std::optional<format::OffsetCapture>> LoadOffsetCaptureAsOf(ObjectStore& store, const std::string& backup_id,
                                                                   std::optional<int64_t> as_of_ms) {
  KB_ASSIGN_OR_RETURN(std::string chosen, LastCaptureKey(store, backup_id, as_of_ms));
  if (chosen.empty()) return std::optional<format::OffsetCapture>();
  KB_ASSIGN_OR_RETURN(auto capture, FetchCapture(store, chosen));
  return std::optional<format::OffsetCapture>(std::move(capture));
}

Result<std::optional<format::OffsetCapture>> LoadOffsetCaptureAfter(ObjectStore& store, const std::string& backup_id,
                                                                    int64_t after_ms) {
  std::string found;
  KB_TRY(ListPages(store, format::OffsetCapturePrefix(backup_id), format::OffsetCaptureKey(backup_id, after_ms),
                   [&](const ObjectInfo& o, std::optional<std::string>*) {
                     if (format::OffsetCaptureKeyTime(o.key) <= after_ms) return true;
                     found = o.key;
                     return false;
                   }));
  if (found.empty()) return std::optional<format::OffsetCapture>();
  KB_ASSIGN_OR_RETURN(auto capture, FetchCapture(store, found));
  return std::optional<format::OffsetCapture>(std::move(capture));
}

Status SaveOffsetSnapshot(ObjectStore& store, const format::OffsetSnapshot& snapshot) {
  if (!format::IsSnapshotId(snapshot.snapshot_id))
    return Fail(ErrorCode::kInvalidArgument, "snapshot id '" + snapshot.snapshot_id + "' is not a valid snapshot id");
  return store.Put(format::SnapshotKey(snapshot.snapshot_id), format::Serialize(snapshot));
}

Result<format::OffsetSnapshot> LoadOffsetSnapshot(ObjectStore& store, const std::string& id) {
  if (!format::IsSnapshotId(id))
    return Fail(ErrorCode::kInvalidArgument, "'" + id + "' is not a snapshot id (ids look like snapshot-20261124T101530123Z-1a2b3c): "
                                             "see `kafka-backup offset-rollback list --path ...`");
  const std::string key = format::SnapshotKey(id);
  KB_ASSIGN_OR_RETURN(std::string text, GetDocument(store, key, "snapshot " + id + " not found in " + store.Describe() +
                                                                    ": see `kafka-backup offset-rollback list --path ...`"));
  return format::ParseOffsetSnapshot(text, key);
}

Result<std::vector<format::OffsetSnapshot>> ListOffsetSnapshots(ObjectStore& store) {
  KB_ASSIGN_OR_RETURN(auto objects, store.List(format::SnapshotPrefix()));
  std::vector<format::OffsetSnapshot> out;
  for (const auto& o : objects) {
    if (o.key.size() < 5 || o.key.compare(o.key.size() - 5, 5, ".json") != 0) continue;
    KB_ASSIGN_OR_RETURN(std::string text, store.Get(o.key));
    KB_ASSIGN_OR_RETURN(auto s, format::ParseOffsetSnapshot(text, o.key));
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const format::OffsetSnapshot& a, const format::OffsetSnapshot& b) {
    if (a.created_at_ms != b.created_at_ms) return a.created_at_ms > b.created_at_ms;
    return a.snapshot_id > b.snapshot_id;
  });
  return out;
}

Status DeleteOffsetSnapshot(ObjectStore& store, const std::string& id) {
  KB_TRY(LoadOffsetSnapshot(store, id));  // a typo must not look like success
  KB_ASSIGN_OR_RETURN(DeleteResult deleted, store.Delete(format::SnapshotKey(id)));
  if (deleted.kept)
    return Fail(ErrorCode::kConflict,
                "snapshot " + id + " is held by the storage's retention (Object Lock)" +
                    (deleted.kept_until_ms > 0 ? " until " + FormatTimestampMs(deleted.kept_until_ms) : "") +
                    " and cannot be deleted yet");
  return {};
}

Result<std::vector<StoredRestore>> ListRestores(ObjectStore& store, const std::string& backup_id) {
  const std::string prefix = format::RestorePrefix(backup_id);
  KB_ASSIGN_OR_RETURN(auto objects, store.List(prefix));
  std::vector<StoredRestore> out;  // keys come sorted, so one restore's objects are adjacent
  for (const auto& o : objects) {
    const std::string rest = o.key.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos) continue;
    const std::string id = rest.substr(0, slash);
    if (out.empty() || out.back().restore_id != id) out.push_back(StoredRestore{id});
    StoredRestore& r = out.back();
    if (format::RestoreProgressKey(backup_id, id) == o.key) r.has_progress = true;
    if (format::RestoreReportKey(backup_id, id) == o.key) r.has_report = true;
    if (format::OffsetMappingKey(backup_id, id) == o.key) r.has_mapping = true;
  }
  // Key order puts "restore-X-part-0-of-2/" before "restore-X/"; ids sort by time as strings.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.restore_id < b.restore_id; });
  return out;
}

Status StoreRestoreProgress(ObjectStore& store, const format::RestoreProgress& progress) {
  return store.Put(format::RestoreProgressKey(progress.backup_id, progress.restore_id), format::Serialize(progress));
}

Result<format::RestoreProgress> LoadRestoreProgress(ObjectStore& store, const std::string& backup_id,
                                                    const std::string& restore_id) {
  const std::string key = format::RestoreProgressKey(backup_id, restore_id);
  KB_ASSIGN_OR_RETURN(std::string text, GetDocument(store, key, NotFoundIn(store, "the progress of restore " + restore_id, key)));
  return format::ParseRestoreProgress(text, key);
}

Status StoreRestoreReport(ObjectStore& store, const format::RestoreReport& report) {
  return store.Put(format::RestoreReportKey(report.backup_id, report.restore_id), format::Serialize(report));
}

Result<format::RestoreReport> LoadRestoreReport(ObjectStore& store, const std::string& backup_id,
                                                const std::string& restore_id) {
  const std::string key = format::RestoreReportKey(backup_id, restore_id);
  KB_ASSIGN_OR_RETURN(std::string text, GetDocument(store, key, NotFoundIn(store, "the report of restore " + restore_id, key)));
  return format::ParseRestoreReport(text, key);
}

Status StoreOffsetMapping(ObjectStore& store, const OffsetMapping& mapping) {
  return store.Put(format::OffsetMappingKey(mapping.backup_id, mapping.restore_id), SerializeOffsetMapping(mapping));
}

Result<OffsetMapping> LoadOffsetMapping(ObjectStore& store, const std::string& backup_id, const std::string& restore_id) {
  std::string chosen = restore_id;
  if (chosen.empty()) {
    KB_ASSIGN_OR_RETURN(auto restores, ListRestores(store, backup_id));
    for (auto it = restores.rbegin(); it != restores.rend() && chosen.empty(); ++it)
      if (it->has_mapping) chosen = it->restore_id;
    if (chosen.empty())
      return Fail(ErrorCode::kNotFound, "backup '" + backup_id + "' has never been restored (no offset mapping in " +
                                            store.Describe() + ")");
  }
  const std::string key = format::OffsetMappingKey(backup_id, chosen);
  KB_ASSIGN_OR_RETURN(std::string text, GetDocument(store, key, "restore '" + chosen + "' of backup '" + backup_id +
                                                                    "' has no offset mapping in " + store.Describe() +
                                                                    ": check --restore-id"));
  return ParseOffsetMapping(text, key);
}

}  // namespace kb
