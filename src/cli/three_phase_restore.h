// The three-phase restore (snapshot groups, restore, reset offsets), run by `three-phase-restore`
// and by `restore` when restore.reset_consumer_offsets is set. Both reach it only through
// cmd_restore.cpp, which ends a dry run at the plan first.
#pragma once

#include "cli/cli_args.h"
#include "config/config.h"
#include "storage/backend.h"

namespace kb::cli {

// `config` is loaded, has its target filled in and is not a dry run; `store` holds the backup.
// Returns the exit status and prints the boxed report.
int RunThreePhase(const CliArgs& a, const Config& config, ObjectStore& store);

}  // namespace kb::cli
