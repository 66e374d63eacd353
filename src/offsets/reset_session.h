// Building an offset-reset plan from what is stored: the restore's offset mapping, the
// restore's report (for the default strategy and restore.snapshot_id), and the groups' source
// positions (a capture as of the restore's time_window_end, or a named offset snapshot).
// Shared by `offset-reset`, `offset-reset-bulk` and `three-phase-restore`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/offset_mapping.h"
#include "format/restore_docs.h"
#include "kafka/admin_client.h"
#include "kafka/port.h"
#include "offsets/offset_reset.h"
#include "storage/backend.h"

namespace kb::offsets {

struct ResetRequest {
  std::string backup_id;
  std::string restore_id;            // "" = the newest restore of the backup
  std::vector<std::string> groups;   // "" = every group of the positions
  std::string strategy;              // "" = the restore's recorded strategy unless skip, else header-based
  std::string snapshot_id;           // positions from this snapshot instead of the captures
  std::optional<int64_t> as_of_ms;   // overrides the mapping's time_window_end
};

// The default strategy when none is named: the one recorded in the restore report when it is a
// real reset strategy (not skip), else header-based.
ResetStrategy DefaultStrategyFromReport(const format::RestoreReport& report);

// Loads the mapping (unless given), positions and strategy, then plans against the target.
Result<ResetPlan> BuildResetPlan(ObjectStore& store, kafka::AdminClient& admin, const kafka::KafkaClientConfig& target,
                                 const ResetRequest& request, const OffsetMapping* mapping = nullptr,
                                 kafka::KafkaPort& kafka = kafka::LibrdkafkaPort());

}  // namespace kb::offsets
