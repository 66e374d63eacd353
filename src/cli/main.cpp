// kafka-backup: the global flags, the commands (each registers its own flags in its cmd_<name>.cpp),
// logging setup, and dispatch to the command the parse chose.
#include <string>

#include <CLI/CLI.hpp>

#include "cli/cli_flags.h"
#include "cli/command_help.h"
#include "cli/commands.h"
#include "cli/logging.h"
#include "core/stop.h"

using kb::cli::CliArgs;
using kb::cli::Runner;

int main(int argc, char** argv) {
  CliArgs a;
  Runner runner;
  CLI::App app{"kafka-backup: back up Kafka topics to S3 or a directory, restore them to any point in time, "
               "and put consumer groups back on the right records."};
  app.require_subcommand(1);
  // Global flags may also follow the subcommand: `kafka-backup backup -c x.yaml -q`.
  app.fallthrough();
  app.set_version_flag("--version", std::string("kafka-backup ") + KB_VERSION);
  app.add_flag("-v,--verbose", a.verbosity, "More log output (repeatable)");
  app.add_flag("-q,--quiet", a.quiet, "Only errors in the log");
  app.add_option("--log-format", a.log_format, "Log format on stderr")->check(CLI::IsMember({"text", "json"}));

  // The order here is the order of --help, the man page and the completions.
  kb::cli::CommandRegistry r{app, a, runner};
  kb::cli::AddBackupCommand(r);
  kb::cli::AddRestoreCommands(r);
  kb::cli::AddSnapshotGroupsCommand(r);
  kb::cli::AddListCommand(r);
  kb::cli::AddDescribeCommand(r);
  kb::cli::AddValidateCommand(r);
  kb::cli::AddStatusCommand(r);
  kb::cli::AddShowOffsetMappingCommand(r);
  kb::cli::AddCatCommand(r);
  kb::cli::AddPruneCommand(r);
  kb::cli::AddDeleteCommand(r);
  kb::cli::AddOffsetResetCommands(r);
  kb::cli::AddOffsetRollbackCommands(r);
  kb::cli::AddGenerateCommand(r);

  kb::cli::AddHelpFooters(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  kb::cli::SetUpLogging(a.verbosity, a.quiet, a.log_format);
  kb::InstallStopSignalHandlers();
  Runner run = runner;  // `generate` parses again, which reassigns `runner`
  return run(a);
}
