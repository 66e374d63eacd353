// `generate man|bash-completion|zsh-completion|check [--output FILE]` (hidden): the man page and
// shell completions from the CLI's own definitions. The build runs it, so they never drift.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/cli_docs.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"

namespace kb::cli {

int RunGenerate(CLI::App& app, std::string what, std::string output) {
  // The check parses every help example with `app`, which overwrites the flags: what and output
  // were copied first.
  const auto problems = CheckCommandHelp(app);
  for (const auto& p : problems) std::fprintf(stderr, "error: %s\n", p.c_str());
  if (!problems.empty()) return 1;
  std::string text;
  if (what == "man") text = ManPage(app, KB_VERSION);
  else if (what == "bash-completion") text = BashCompletion(app);
  else if (what == "zsh-completion") text = ZshCompletion(app);
  else return 0;  // check
  if (output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  const std::string tmp = output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::fprintf(stderr, "error: cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, output, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot rename %s to %s: %s\n", tmp.c_str(), output.c_str(), ec.message().c_str());
    return 1;
  }
  return 0;
}

// Hidden from help (group ""). It runs with the whole app: the pages are generated from it.
void AddGenerateCommand(CommandRegistry& r) {
  auto& a = r.args;
  auto* cmd = r.app.add_subcommand("generate", "Print the man page or a shell completion script")->group("");
  cmd->add_option("what", a.generate_what, "man, bash-completion, zsh-completion, or check")
      ->required()
      ->check(CLI::IsMember({"man", "bash-completion", "zsh-completion", "check"}));
  cmd->add_option("--output,-o", a.output_file, "Write here instead of standard output")->type_name("FILE");
  CLI::App* app = &r.app;
  r.OnRun(cmd, [app](const CliArgs& args) { return RunGenerate(*app, args.generate_what, args.output_file); });
}

}  // namespace kb::cli
