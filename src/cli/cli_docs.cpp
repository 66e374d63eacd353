#include "cli/cli_docs.h"

#include <cctype>
#include <functional>
#include <sstream>

#include "cli/command_help.h"

namespace kb::cli {
namespace {

enum class ValueKind { kFlag, kText, kFile, kDir, kWords };

// What the generators need to know about one option, read from its CLI11 definition.
struct OptionDoc {
  std::vector<std::string> names;  // "-p", "--path"
  std::string description;
  bool required = false;
  ValueKind kind = ValueKind::kFlag;
  std::string placeholder;         // "TEXT", "FILE", "jsonl|text"
  std::vector<std::string> words;  // kWords: the allowed values
  std::string env;                 // environment variable that sets it
};

OptionDoc Describe(const CLI::Option& o) {
  OptionDoc d;
  for (const auto& s : o.get_snames()) d.names.push_back("-" + s);
  for (const auto& l : o.get_lnames()) d.names.push_back("--" + l);
  d.description = o.get_description();
  d.required = o.get_required();
  d.env = o.get_envname();
  if (o.get_expected_max() == 0) return d;  // a flag
  const std::string type = o.get_type_name();
  const size_t colon = type.find(':');
  d.placeholder = type.substr(0, colon);
  d.kind = d.placeholder == "FILE"                            ? ValueKind::kFile
           : d.placeholder == "DIR" || d.placeholder == "PATH" ? ValueKind::kDir
                                                               : ValueKind::kText;
  // A CLI::IsMember check describes itself as "{a,b,c}".
  if (colon != std::string::npos && type.size() > colon + 2 && type[colon + 1] == '{' && type.back() == '}') {
    std::stringstream in(type.substr(colon + 2, type.size() - colon - 3));
    for (std::string w; std::getline(in, w, ',');) d.words.push_back(w);
    d.kind = ValueKind::kWords;
    d.placeholder.clear();
    for (const auto& w : d.words) d.placeholder += (d.placeholder.empty() ? "" : "|") + w;
  }
  return d;
}

std::vector<OptionDoc> Options(const CLI::App& cmd) {
  std::vector<OptionDoc> out;
  for (const CLI::Option* o : cmd.get_options([](const CLI::Option* o) { return !o->get_group().empty(); }))
    if (o->nonpositional()) out.push_back(Describe(*o));
  return out;
}

std::vector<const CLI::App*> Subcommands(const CLI::App& cmd) {
  return cmd.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
}

// Every visible command, depth first, the root first.
void Walk(const CLI::App& cmd, std::vector<const CLI::App*>& out) {
  out.push_back(&cmd);
  for (const CLI::App* sub : Subcommands(cmd)) Walk(*sub, out);
}
std::vector<const CLI::App*> AllCommands(const CLI::App& app) {
  std::vector<const CLI::App*> out;
  Walk(app, out);
  return out;
}

// "/offset-reset/plan" for that command, "" for the root: the key the completion scripts use.
std::string Key(const CLI::App& cmd) {
  std::string path = CommandPath(cmd).substr(std::string("kafka-backup").size());
  for (char& c : path)
    if (c == ' ') c = '/';
  return path;
}

// ---- man page ----

// Backslashes and minus signs escaped for troff.
std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  return out;
}

// Text for troff: escaped, after a zero-width \& so that text starting with '.' or '\'' is never
// read as a request.
std::string Roff(const std::string& s) { return "\\&" + Escape(s); }

std::string Bold(const std::string& s) { return "\\fB" + Roff(s) + "\\fR"; }
std::string Italic(const std::string& s) { return "\\fI" + Roff(s) + "\\fR"; }

std::string OptionHead(const OptionDoc& d) {
  std::string head;
  for (const auto& n : d.names) head += (head.empty() ? "" : ", ") + Bold(n);
  if (d.kind != ValueKind::kFlag) head += " " + Italic(d.placeholder);
  return head;
}

void ManOptions(std::ostream& out, const std::vector<OptionDoc>& options) {
  for (const auto& d : options) {
    out << ".TP\n" << OptionHead(d) << "\n" << Roff(d.description);
    if (d.required) out << " (required)";
    if (!d.env.empty()) out << " [env: " << Roff(d.env) << "]";
    out << "\n";
  }
}

// Lines kept as they are (no filling), each protected from being read as a request.
void ManVerbatim(std::ostream& out, const std::vector<std::string>& lines) {
  out << ".PP\n.RS 4\n.nf\n";
  for (const auto& l : lines) out << Roff(l) << "\n";
  out << ".fi\n.RE\n";
}

void ManCommand(std::ostream& out, const CLI::App& cmd) {
  const std::string path = CommandPath(cmd);
  out << ".SS \"" << Roff(path) << "\"\n" << Roff(cmd.get_description()) << "\n.PP\n" << Bold(path);
  const auto options = Options(cmd);
  for (const auto& d : options)
    if (d.required) out << " " << Bold(d.names.back()) << " " << Italic(d.placeholder);
  const auto subs = Subcommands(cmd);
  if (!subs.empty()) out << " " << Italic("COMMAND");
  out << " [" << Italic("OPTIONS") << "]\n";
  if (!subs.empty()) {
    out << ".PP\nCommands:\n";
    for (const CLI::App* s : subs) out << ".TP\n" << Bold(s->get_name()) << "\n" << Roff(s->get_description()) << "\n";
  }
  if (!options.empty()) {
    out << ".PP\nOptions:\n";
    ManOptions(out, options);
  }
  if (const CommandHelp* h = FindCommandHelp(path)) {
    out << ".PP\nExamples:\n";
    ManVerbatim(out, h->examples);
    out << ".PP\nExit codes: " << Roff(h->exit_codes) << "\n";
  }
}

// ---- completions ----

// Words for a shell script: only characters that need no quoting.
bool ShellSafe(const std::string& w) {
  if (w.empty()) return false;
  for (char c : w)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != '/') return false;
  return true;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words)
    if (ShellSafe(w)) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::vector<std::string> OptionNames(const std::vector<OptionDoc>& options) {
  std::vector<std::string> out;
  for (const auto& d : options) out.insert(out.end(), d.names.begin(), d.names.end());
  return out;
}

std::vector<std::string> SubcommandNames(const CLI::App& cmd) {
  std::vector<std::string> out;
  for (const CLI::App* s : Subcommands(cmd)) out.push_back(s->get_name());
  return out;
}

// case "$cmd/$word" in <this>) cmd=... : every subcommand path.
std::string CommandPattern(const CLI::App& app) {
  std::string out;
  for (const CLI::App* c : AllCommands(app))
    if (c != &app) out += (out.empty() ? "" : "|") + std::string("\"") + Key(*c) + "\"";
  return out;
}

// Shell lines that set $cmd to the command path typed so far ("/offset-reset/plan"): the words of
// array `words` from index `first` up to the current one that name subcommands.
void CommandPathLoop(std::ostream& out, const CLI::App& app, const std::string& words, int first,
                     const std::string& current) {
  out << "  for (( i = " << first << "; i < " << current << "; i++ )); do\n"
      << "    case \"$cmd/${" << words << "[i]}\" in\n"
      << "      " << CommandPattern(app) << ") cmd=\"$cmd/${" << words << "[i]}\" ;;\n"
      << "    esac\n"
      << "  done\n";
}

// 'text with '\''quotes'\''' for single-quoted shell strings.
std::string SingleQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The arms of `case "$cmd|$prev" in`: for each option that takes a value, `action` completes it.
void ValueArms(std::ostream& out, const CLI::App& app, const std::function<std::string(const OptionDoc&)>& action) {
  for (const CLI::App* c : AllCommands(app))
    for (const auto& d : Options(*c)) {
      if (d.kind == ValueKind::kFlag) continue;
      std::string pattern;
      for (const auto& n : d.names) pattern += (pattern.empty() ? "" : "|") + std::string("\"") + Key(*c) + "|" + n + "\"";
      out << "    " << pattern << ") " << action(d) << "; return ;;\n";
    }
}

}  // namespace

std::string ManPage(const CLI::App& app, const std::string& version) {
  std::ostringstream out;
  out << ".\\\" Generated by `kafka-backup generate man` from the CLI's own definitions; do not edit.\n"
      << ".TH KAFKA\\-BACKUP 1 \"\" \"kafka\\-backup " << Escape(version) << "\" \"User Commands\"\n"
      << ".SH NAME\nkafka\\-backup \\- back up Kafka topics to S3 or a directory and restore them to a point in time\n"
      << ".SH SYNOPSIS\n" << Bold("kafka-backup") << " [" << Italic("GLOBAL OPTIONS") << "] " << Italic("COMMAND")
      << " [" << Italic("OPTIONS") << "]\n"
      << ".SH DESCRIPTION\n" << Roff(app.get_description()) << "\n.PP\n"
      << "Logs go to standard error, reports to standard output. "
      << Bold("--path") << " takes s3://bucket/prefix, file:///abs/dir, a plain directory, or memory://name.\n"
      << ".SH GLOBAL OPTIONS\n";
  ManOptions(out, Options(app));
  out << ".SH COMMANDS\n";
  for (const CLI::App* c : AllCommands(app))
    if (c != &app) ManCommand(out, *c);
  out << ".SH EXIT STATUS\n";
  if (const CommandHelp* h = FindCommandHelp("kafka-backup")) out << Roff(h->exit_codes) << ".\n";
  out << ".SH ENVIRONMENT\n"
      << ".TP\n" << Bold("AWS_ACCESS_KEY_ID") << ", " << Bold("AWS_SECRET_ACCESS_KEY") << ", " << Bold("AWS_REGION")
      << "\nCredentials and region for s3:// storage.\n"
      << ".TP\n" << Bold("AWS_ENDPOINT_URL") << ", " << Bold("S3_ENDPOINT")
      << "\nEndpoint of an S3-compatible server such as MinIO.\n"
      << ".TP\n" << Bold("KAFKA_BACKUP_PATH")
      << "\nStorage of a restore whose config has no storage section and no " << Bold("--path") << ".\n"
      << ".SH EXAMPLES\n";
  if (const CommandHelp* h = FindCommandHelp("kafka-backup")) ManVerbatim(out, h->examples);
  out << ".SH SEE ALSO\n"
      << "README.md, docs/CONFIG.md, docs/FORMAT.md, docs/OFFSETS.md and docs/CAT.md in "
      << "/usr/share/doc/kafka\\-backup.\n";
  return out.str();
}

std::string BashCompletion(const CLI::App& app) {
  std::ostringstream out;
  out << "# bash completion for kafka-backup. Generated by `kafka-backup generate bash-completion` from the\n"
      << "# CLI's own command definitions; do not edit.\n"
      << "_kafka_backup() {\n"
      << "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      << "  local cmd=\"\" i\n";
  CommandPathLoop(out, app, "COMP_WORDS", 1, "COMP_CWORD");
  out << "  # The value of the option just typed.\n"
      << "  case \"$cmd|$prev\" in\n";
  ValueArms(out, app, [](const OptionDoc& d) -> std::string {
    switch (d.kind) {
      case ValueKind::kWords: return "COMPREPLY=($(compgen -W \"" + Join(d.words) + "\" -- \"$cur\"))";
      case ValueKind::kFile: return "COMPREPLY=($(compgen -f -- \"$cur\"))";
      case ValueKind::kDir: return "COMPREPLY=($(compgen -d -- \"$cur\"))";
      default: return "COMPREPLY=()";
    }
  });
  out << "  esac\n"
      << "  local subs=\"\" opts=\"\"\n"
      << "  case \"$cmd\" in\n";
  for (const CLI::App* c : AllCommands(app))
    out << "    \"" << Key(*c) << "\") subs=\"" << Join(SubcommandNames(*c)) << "\" opts=\""
        << Join(OptionNames(Options(*c))) << "\" ;;\n";
  out << "  esac\n"
      << "  if [[ \"$cur\" == -* || -z \"$subs\" ]]; then\n"
      << "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
      << "  else\n"
      << "    COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n"
      << "  fi\n"
      << "}\n"
      << "complete -F _kafka_backup kafka-backup\n";
  return out.str();
}

std::string ZshCompletion(const CLI::App& app) {
  std::ostringstream out;
  out << "#compdef kafka-backup\n"
      << "# zsh completion for kafka-backup. Generated by `kafka-backup generate zsh-completion` from the\n"
      << "# CLI's own command definitions; do not edit.\n"
      << "_kafka_backup() {\n"
      << "  local cmd=\"\" i\n";
  CommandPathLoop(out, app, "words", 2, "CURRENT");
  out << "  case \"$cmd|${words[CURRENT-1]}\" in\n";
  ValueArms(out, app, [](const OptionDoc& d) -> std::string {
    switch (d.kind) {
      case ValueKind::kWords: return "compadd -- " + Join(d.words);
      case ValueKind::kFile: return "_files";
      case ValueKind::kDir: return "_files -/";
      default: return "_message " + SingleQuoted(d.placeholder.empty() ? "value" : d.placeholder);
    }
  });
  out << "  esac\n"
      << "  local -a subs opts\n"
      << "  case \"$cmd\" in\n";
  for (const CLI::App* c : AllCommands(app)) {
    out << "    \"" << Key(*c) << "\")\n      subs=(";
    for (const CLI::App* s : Subcommands(*c)) out << " " << SingleQuoted(s->get_name() + ":" + s->get_description());
    out << " )\n      opts=(";
    for (const auto& d : Options(*c))
      for (const auto& n : d.names) out << " " << SingleQuoted(n + ":" + d.description);
    out << " ) ;;\n";
  }
  out << "  esac\n"
      << "  if [[ $PREFIX == -* || ${#subs} -eq 0 ]]; then\n"
      << "    _describe -t options option opts\n"
      << "  else\n"
      << "    _describe -t commands command subs\n"
      << "  fi\n"
      << "}\n"
      << "_kafka_backup \"$@\"\n";
  return out.str();
}

std::vector<std::string> CheckCommandHelp(CLI::App& app) {
  std::vector<std::string> problems;
  for (const CLI::App* c : AllCommands(app)) {
    const std::string path = CommandPath(*c);
    const CommandHelp* h = FindCommandHelp(path);
    if (!h) {
      problems.push_back(path + ": no examples and exit codes in src/cli/command_help.cpp");
      continue;
    }
    if (h->examples.empty()) problems.push_back(path + ": no example");
    for (const auto& e : h->examples) {
      // What a shell hands the program: the words before a pipe.
      const std::string line = e.substr(0, e.find(" | "));
      if (line.rfind("kafka-backup ", 0) != 0) {
        problems.push_back(path + ": example does not start with kafka-backup: " + e);
        continue;
      }
      app.clear();
      try {
        app.parse(line, true);
        if (!c->parsed()) problems.push_back(path + ": example runs another command: " + e);
      } catch (const CLI::ParseError& err) {
        problems.push_back(path + ": example does not parse (" + err.what() + "): " + e);
      }
    }
  }
  app.clear();
  return problems;
}

}  // namespace kb::cli
