// Man page and shell completions generated from the CLI11 definitions that --help prints, so the
// three can never drift apart (`kafka-backup generate ...`, run by the build).
//
// What each generator reads from an option: its names, description, whether it is required,
// whether it takes a value, and its type name: "FILE" completes file names, "DIR" and "PATH"
// directories,
// and a CLI::IsMember check ("TEXT:{a,b}") completes those words. Hidden commands and options
// (empty group) are left out.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace kb::cli {

// troff (man(7) macros), section 1.
std::string ManPage(const CLI::App& app, const std::string& version);
// A bash completion script defining _kafka_backup for `complete -F`.
std::string BashCompletion(const CLI::App& app);
// A zsh completion function file (#compdef kafka-backup).
std::string ZshCompletion(const CLI::App& app);

// Parses every example of every command's help (command_help.h) with `app` itself, without
// running anything, and reports commands without help text. Returns the problems found.
// Leaves `app` cleared of parse results.
std::vector<std::string> CheckCommandHelp(CLI::App& app);

}  // namespace kb::cli
