// The flag sets several commands share, each written once so the same flag reads the same in every
// command, and CommandRegistry, what a command's Add...Command function registers itself with.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cli_args.h"

namespace kb::cli {

using Runner = std::function<int(const CliArgs&)>;

// What a command needs to register: the app to add its subcommand to, the struct its flags fill,
// and the slot that receives its Run function when the parse chooses it.
struct CommandRegistry {
  CLI::App& app;
  CliArgs& args;
  Runner& runner;

  // `run` becomes the runner once `cmd` is parsed (CLI11 calls back only the chosen command).
  void OnRun(CLI::App* cmd, Runner run);
};

// --format, checked against `allowed`.
void AddFormat(CLI::App* cmd, CliArgs& a, std::vector<std::string> allowed = {"text", "json", "yaml"});

// --bootstrap-servers, the security flags and -X key=value.
void AddKafka(CLI::App* cmd, CliArgs& a, bool required);

// --path, required.
void AddPath(CLI::App* cmd, CliArgs& a);

// --path and --backup-id: the commands that work on one stored backup.
void AddBackup(CLI::App* cmd, CliArgs& a);

// --groups a,b,c
void AddGroups(CLI::App* cmd, CliArgs& a);

// -c/--config, required: the config-driven commands.
void AddConfig(CLI::App* cmd, CliArgs& a);

// restore, three-phase-restore and validate-restore: the config, the PITR window, the parts, and
// the storage and cluster for a config that lacks them.
void AddRestoreFlags(CLI::App* cmd, CliArgs& a);

// offset-reset plan|execute|script and offset-reset-bulk: which backup, restore and groups, and the
// cluster (without --format: each command allows its own).
void AddResetFlags(CLI::App* cmd, CliArgs& a);

}  // namespace kb::cli
