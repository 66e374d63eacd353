#include "workflow/backup_workflow.h"

#include <memory>
#include <mutex>

#include "retention/prune_loop.h"

namespace kb {

Result<BackupSummary> RunBackupWorkflow(const Config& config, ObjectStore& store, kafka::KafkaPort& kafka) {
  const int64_t keep_within = config.backup.retention_keep_within_ms;
  const bool continuous = config.backup.continuous;
  // The loop starts only once the run has begun, so a backup refused at start-up prunes nothing.
  std::unique_ptr<PruneLoop> pruner;
  std::mutex mu;  // `pruner` is read by /metrics on the server's thread
  BackupHooks hooks;
  if (continuous && keep_within > 0) {
    hooks.started = [&] {
      std::lock_guard<std::mutex> lock(mu);
      pruner = std::make_unique<PruneLoop>(store, config.backup_id, keep_within, config.backup.retention_interval_ms);
    };
    hooks.status = [&](metrics::BackupStatus& st) {
      std::lock_guard<std::mutex> lock(mu);
      if (!pruner) return;
      st.prune_passes = pruner->passes();
      st.prune_failures = pruner->failures();
      st.pruned_objects = pruner->objects_removed();
      st.pruned_bytes = pruner->bytes_removed();
    };
    hooks.reading_done = [&] {
      std::lock_guard<std::mutex> lock(mu);
      pruner.reset();
    };
  }
  KB_ASSIGN_OR_RETURN(BackupSummary summary, BackupEngine(config, store, kafka, std::move(hooks)).Run());
  // A one-shot backup with retention prunes once its data is stored; a failed prune is a warning.
  const bool complete = summary.errors.empty() && !summary.interrupted;
  if (!continuous && complete && keep_within > 0) PruneAndLog(store, config.backup_id, keep_within);
  return summary;
}

}  // namespace kb
