// The documents stored beside a backup's catalog: consumer offset captures, offset snapshots and
// what each restore leaves (progress, report, offset mapping). The one place that builds their
// keys, stores them and reads them back through their validating parsers (format/offset_docs.h,
// format/restore_docs.h, format/offset_mapping.h); engines and commands ask here.
//
// Costs: a capture lookup for a time lists the capture keys of the hour before it (widening only
// when that holds none) and fetches only the capture it returns; a lookup after a time starts the
// listing there. Restore lookups list the backup's restores/ prefix once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/offset_docs.h"
#include "format/offset_mapping.h"
#include "format/restore_docs.h"
#include "storage/backend.h"

namespace kb {

// --- Consumer offset captures: one object per capture, named by its time, never overwritten.
// Returns the key it was stored at.
Result<std::string> StoreOffsetCapture(ObjectStore& store, const std::string& backup_id, const format::OffsetCapture& capture);
// The newest capture taken at or before `as_of_ms` (the newest of all when empty); nullopt when
// there is none.
Result<std::optional<format::OffsetCapture>> LoadOffsetCaptureAsOf(ObjectStore& store, const std::string& backup_id,
                                                                   std::optional<int64_t> as_of_ms);
// The oldest capture taken after `after_ms`; nullopt when there is none.
Result<std::optional<format::OffsetCapture>> LoadOffsetCaptureAfter(ObjectStore& store, const std::string& backup_id,
                                                                    int64_t after_ms);

// --- Offset snapshots: kept at the storage's root, outside any backup.
// kInvalidArgument for an id that is not a snapshot id.
Status SaveOffsetSnapshot(ObjectStore& store, const format::OffsetSnapshot& snapshot);
// kNotFound (naming the id and the storage) when there is no such snapshot.
Result<format::OffsetSnapshot> LoadOffsetSnapshot(ObjectStore& store, const std::string& snapshot_id);
// Every snapshot in the storage, newest first.
Result<std::vector<format::OffsetSnapshot>> ListOffsetSnapshots(ObjectStore& store);
// kNotFound when there is no such snapshot; kConflict when storage retention still holds it.
Status DeleteOffsetSnapshot(ObjectStore& store, const std::string& snapshot_id);

// --- Restores of a backup.
struct StoredRestore {
  std::string restore_id;
  bool has_progress = false;  // progress.json: a run started (and may need resuming)
  bool has_report = false;    // report.json: a run ended
  bool has_mapping = false;   // offset-mapping.json
};
// Every restore that left an object, oldest first (restore ids sort by time).
Result<std::vector<StoredRestore>> ListRestores(ObjectStore& store, const std::string& backup_id);

Status StoreRestoreProgress(ObjectStore& store, const format::RestoreProgress& progress);
Result<format::RestoreProgress> LoadRestoreProgress(ObjectStore& store, const std::string& backup_id,
                                                    const std::string& restore_id);
Status StoreRestoreReport(ObjectStore& store, const format::RestoreReport& report);
Result<format::RestoreReport> LoadRestoreReport(ObjectStore& store, const std::string& backup_id,
                                                const std::string& restore_id);
Status StoreOffsetMapping(ObjectStore& store, const OffsetMapping& mapping);
// The mapping of `restore_id`, or of the newest restore that has one when `restore_id` is "";
// kNotFound naming the backup when there is none.
Result<OffsetMapping> LoadOffsetMapping(ObjectStore& store, const std::string& backup_id,
                                        const std::string& restore_id = "");

}  // namespace kb
