// The backup workflow: the one library entry point of `backup`. It runs the backup engine and the
// retention the config asks for (backup.retention): a continuous backup prunes as it goes, on its
// own thread (a failed pass is counted on /metrics and never ends the backup); a one-shot or
// snapshot backup prunes once, after its data is stored and its run is complete.
#pragma once

#include "backup/backup_engine.h"
#include "config/config.h"
#include "core/error.h"
#include "kafka/port.h"
#include "storage/backend.h"

namespace kb {

Result<BackupSummary> RunBackupWorkflow(const Config& config, ObjectStore& store,
                                        kafka::KafkaPort& kafka = kafka::LibrdkafkaPort());

}  // namespace kb
