// One function per command; each lives in its own src/cli/cmd_<name>.cpp and returns the
// process exit status (0 ok, 1 failure, 2 usage/config, 3 partial, 130 interrupted).
#pragma once

#include <string>

#include "cli/cli_args.h"

namespace CLI {
class App;
}

namespace kb::cli {

int RunBackup(const CliArgs& a);
int RunRestore(const CliArgs& a);
int RunThreePhaseRestore(const CliArgs& a);
int RunValidateRestore(const CliArgs& a);
int RunSnapshotGroups(const CliArgs& a);

int RunList(const CliArgs& a);
int RunDescribe(const CliArgs& a);
int RunValidate(const CliArgs& a);
int RunStatus(const CliArgs& a);
int RunShowOffsetMapping(const CliArgs& a);
int RunCat(const CliArgs& a);
int RunPrune(const CliArgs& a);
int RunDelete(const CliArgs& a);

int RunOffsetResetPlan(const CliArgs& a);
int RunOffsetResetExecute(const CliArgs& a);
int RunOffsetResetScript(const CliArgs& a);
int RunOffsetResetBulk(const CliArgs& a);

int RunRollbackSnapshot(const CliArgs& a);
int RunRollbackList(const CliArgs& a);
int RunRollbackShow(const CliArgs& a);
int RunRollbackVerify(const CliArgs& a);
int RunRollbackRollback(const CliArgs& a);
int RunRollbackDelete(const CliArgs& a);

// Hidden: checks `app`'s help examples, then prints or writes (output) its man page ("man") or a
// completion script ("bash-completion", "zsh-completion"); "check" only checks.
int RunGenerate(CLI::App& app, std::string what, std::string output);

}  // namespace kb::cli
