#include "catalog/manifest_store.h"

#include "core/time_util.h"
#include "format/object_keys.h"

namespace kb {

Result<format::Manifest> LoadManifest(ObjectStore& store, const std::string& backup_id) {
  auto text = store.Get(format::ManifestKey(backup_id));
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound)
      return Fail(ErrorCode::kNotFound, "backup '" + backup_id + "' not found in " + store.Describe() +
                                            ": check --path and --backup-id (the list command shows the backups there)");
    return Fail(text.error());
  }
  auto m = format::ParseManifest(*text);
  if (!m) return Fail(m.error().With("backup_id=" + backup_id));
  return m;
}

ManifestStore::ManifestStore(ObjectStore& store, format::Manifest manifest)
    : store_(store), manifest_(std::move(manifest)) {}

format::Manifest ManifestStore::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return manifest_;
}

Status ManifestStore::WriteLocked() {
  manifest_.updated_at_ms = NowMs();
  return store_.Put(format::ManifestKey(manifest_.backup_id), format::SerializeManifest(manifest_));
}

}  // namespace kb
