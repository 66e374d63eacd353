// DeleteBackup: removes a whole backup (every object under <backup_id>/).
//
// Refuses while a backup or restore of it holds a live lease, unless forced. The objects that make
// the backup visible (its catalog runs, a format-1 manifest.json) go first, so an interrupted
// delete leaves no half backup that list, describe or restore would take for a whole one; running
// delete again removes the rest. Objects under Object Lock retention are kept and reported.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "retention/prune.h"
#include "storage/backend.h"

namespace kb {

struct DeleteBackupReport {
  std::string backup_id;
  uint64_t objects_removed = 0, bytes_removed = 0;
  std::vector<KeptObject> kept;               // under retention: the backup is only partly removed
  std::vector<std::string> forced_past;       // live leases --force ignored
  nlohmann::json ToJson() const;
};

// kNotFound when nothing is stored under the id; kConflict naming the leases when one is live and
// `force` is false.
Result<DeleteBackupReport> DeleteBackup(ObjectStore& store, const std::string& backup_id, bool force);

}  // namespace kb
