// The restore workflow: the one library entry point of `restore`, `three-phase-restore` and
// `validate-restore`, and of every --dry-run. The CLI parses flags, calls it and prints.
//
//   plan only      a dry run or validate-restore: reads the backup and the target, writes nothing;
//   plain restore  the records only (also one part of a parallel restore);
//   three phases   1. snapshot the target's consumer groups (the safety net), refusing active
//                  groups; 2. restore (or gather the parts of a parallel one); 3. translate the
//                  groups' positions as of the window's end (captures, or restore.snapshot_id);
//                  4. commit, then verify; 5. on any failure after 1, roll the groups back to the
//                  safety snapshot. A partial restore is never followed by a commit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "core/error.h"
#include "kafka/port.h"
#include "restore/restore_engine.h"
#include "storage/backend.h"

namespace kb {

struct WorkflowPhase {
  std::string name;
  std::string status = "not run";  // ok | failed | skipped | not run | not needed | rolled back | FAILED
  std::vector<std::string> lines;
};

struct ThreePhaseOutcome {
  std::string backup_id;
  bool ok = false;
  int exit_code = 1;                  // as PRODUCT.md: 0 ok, 1 failed, 3 partial/refused, 130 interrupted
  std::vector<WorkflowPhase> phases;  // the five phases, in order
  nlohmann::json doc = nlohmann::json::object();  // snapshot_id, restore, plan, commit, rollback, phases
};

struct RestoreOutcome {
  std::optional<RestorePlan> plan;              // plan only
  std::optional<RestoreResult> restore;         // records only
  std::optional<ThreePhaseOutcome> three_phase;  // records and consumer offsets
  bool part_restored_offsets_pending = false;   // a part of a parallel restore that resets offsets
};

enum class RestoreWorkflowKind {
  kPlanOnly,  // validate-restore
  kRestore,   // restore: resets offsets too when restore.reset_consumer_offsets is set
  kThreePhase,
};

// Runs what `kind` and the config ask for (a config with restore.dry_run only plans). Errors
// before anything was written come back as an error; what happens later is in the outcome.
Result<RestoreOutcome> RunRestoreWorkflow(const Config& config, ObjectStore& store, RestoreWorkflowKind kind,
                                          kafka::KafkaPort& kafka = kafka::LibrdkafkaPort());

}  // namespace kb
