// ManifestStore: loads and commits a backup's manifest. The manifest is the commit point:
// a segment is referenced only after its object is durably stored, and the resume checkpoint
// (next_offset) only moves with it. Commits are serialized; each one rewrites the manifest with
// one atomic Put.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "core/error.h"
#include "format/manifest.h"
#include "storage/backend.h"

namespace kb {

// The manifest of `backup_id`, or kNotFound naming the backup and the storage location.
Result<format::Manifest> LoadManifest(ObjectStore& store, const std::string& backup_id);

class ManifestStore {
 public:
  ManifestStore(ObjectStore& store, format::Manifest manifest);

  // Runs `change` on the manifest under the lock, then writes it. On a failed write the
  // in-memory manifest keeps the change (the next commit retries it); the error is returned.
  template <typename F>
  Status Commit(F&& change) {
    std::lock_guard<std::mutex> lock(mu_);
    change(manifest_);
    return WriteLocked();
  }
  // A copy, for reports.
  format::Manifest Snapshot() const;

 private:
  Status WriteLocked();
  ObjectStore& store_;
  mutable std::mutex mu_;
  format::Manifest manifest_;
};

}  // namespace kb
