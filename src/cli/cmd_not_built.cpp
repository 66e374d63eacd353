// Commands whose engines are not built yet. Each says so and fails: never a silent success.
// Move a command out of this file when its real implementation lands.
#include <cstdio>

#include "cli/commands.h"

namespace kb::cli {
namespace {
int NotBuilt(const char* name) {
  std::fprintf(stderr, "kafka-backup %s: not implemented yet in this build\n", name);
  return 1;
}
}  // namespace

int RunRestore(const CliArgs&) { return NotBuilt("restore"); }
int RunThreePhaseRestore(const CliArgs&) { return NotBuilt("three-phase-restore"); }
int RunValidateRestore(const CliArgs&) { return NotBuilt("validate-restore"); }
int RunSnapshotGroups(const CliArgs&) { return NotBuilt("snapshot-groups"); }
int RunShowOffsetMapping(const CliArgs&) { return NotBuilt("show-offset-mapping"); }
int RunOffsetResetPlan(const CliArgs&) { return NotBuilt("offset-reset plan"); }
int RunOffsetResetExecute(const CliArgs&) { return NotBuilt("offset-reset execute"); }
int RunOffsetResetScript(const CliArgs&) { return NotBuilt("offset-reset script"); }
int RunOffsetResetBulk(const CliArgs&) { return NotBuilt("offset-reset-bulk"); }
int RunRollbackSnapshot(const CliArgs&) { return NotBuilt("offset-rollback snapshot"); }
int RunRollbackList(const CliArgs&) { return NotBuilt("offset-rollback list"); }
int RunRollbackShow(const CliArgs&) { return NotBuilt("offset-rollback show"); }
int RunRollbackVerify(const CliArgs&) { return NotBuilt("offset-rollback verify"); }
int RunRollbackRollback(const CliArgs&) { return NotBuilt("offset-rollback rollback"); }
int RunRollbackDelete(const CliArgs&) { return NotBuilt("offset-rollback delete"); }

}  // namespace kb::cli
