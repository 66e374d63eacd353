// Examples and exit codes for every command's --help, kept in one table so --help, the man page
// and the completions (all generated from the same CLI11 definitions) can never disagree.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace kb::cli {

struct CommandHelp {
  std::vector<std::string> examples;  // whole command lines, each starting with "kafka-backup"
  std::string exit_codes;             // e.g. "0 success; 1 failure; 2 usage or configuration error"
};

// "kafka-backup offset-reset plan" for that subcommand, "kafka-backup" for the root.
std::string CommandPath(const CLI::App& cmd);

// The help of the command at `path`, or nullptr when the table has none.
const CommandHelp* FindCommandHelp(const std::string& path);

// Sets the footer (examples, exit codes) of `app` and of every subcommand under it that the table
// has help for (CheckCommandHelp in cli_docs.h reports those it lacks).
void AddHelpFooters(CLI::App& app);

}  // namespace kb::cli
