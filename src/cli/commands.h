// The commands, grouped by the src/cli/cmd_<name>.cpp that holds them. Each file's Add...Command
// registers its subcommand(s) and their flags (shared flag sets are in cli_flags.h); its Run...
// functions return the process exit status (0 ok, 1 failure, 2 usage/config, 3 partial,
// 130 interrupted). main.cpp calls the Add functions in the order help lists the commands.
#pragma once

#include <string>

#include "cli/cli_args.h"

namespace CLI {
class App;
}

namespace kb::cli {

struct CommandRegistry;

// cmd_backup.cpp
void AddBackupCommand(CommandRegistry& r);
int RunBackup(const CliArgs& a);

// cmd_restore.cpp: restore, three-phase-restore, validate-restore
void AddRestoreCommands(CommandRegistry& r);
int RunRestore(const CliArgs& a);
int RunThreePhaseRestore(const CliArgs& a);
int RunValidateRestore(const CliArgs& a);

// cmd_snapshot_groups.cpp
void AddSnapshotGroupsCommand(CommandRegistry& r);
int RunSnapshotGroups(const CliArgs& a);

// cmd_list.cpp
void AddListCommand(CommandRegistry& r);
int RunList(const CliArgs& a);

// cmd_describe.cpp
void AddDescribeCommand(CommandRegistry& r);
int RunDescribe(const CliArgs& a);

// cmd_validate.cpp
void AddValidateCommand(CommandRegistry& r);
int RunValidate(const CliArgs& a);

// cmd_status.cpp
void AddStatusCommand(CommandRegistry& r);
int RunStatus(const CliArgs& a);

// cmd_show_offset_mapping.cpp
void AddShowOffsetMappingCommand(CommandRegistry& r);
int RunShowOffsetMapping(const CliArgs& a);

// cmd_cat.cpp
void AddCatCommand(CommandRegistry& r);
int RunCat(const CliArgs& a);

// cmd_prune.cpp
void AddPruneCommand(CommandRegistry& r);
int RunPrune(const CliArgs& a);

// cmd_delete.cpp
void AddDeleteCommand(CommandRegistry& r);
int RunDelete(const CliArgs& a);

// cmd_offset_reset.cpp: offset-reset plan|execute|script, offset-reset-bulk
void AddOffsetResetCommands(CommandRegistry& r);
int RunOffsetResetPlan(const CliArgs& a);
int RunOffsetResetExecute(const CliArgs& a);
int RunOffsetResetScript(const CliArgs& a);
int RunOffsetResetBulk(const CliArgs& a);

// cmd_offset_rollback.cpp: offset-rollback snapshot|list|show|verify|rollback|delete
void AddOffsetRollbackCommands(CommandRegistry& r);
int RunRollbackSnapshot(const CliArgs& a);
int RunRollbackList(const CliArgs& a);
int RunRollbackShow(const CliArgs& a);
int RunRollbackVerify(const CliArgs& a);
int RunRollbackRollback(const CliArgs& a);
int RunRollbackDelete(const CliArgs& a);

// cmd_generate.cpp (hidden). RunGenerate checks `app`'s help examples, then prints or writes
// (output) its man page ("man") or a completion script ("bash-completion", "zsh-completion");
// "check" only checks.
void AddGenerateCommand(CommandRegistry& r);
int RunGenerate(CLI::App& app, std::string what, std::string output);

}  // namespace kb::cli
