// `cat --path P --backup-id ID [filters]`: prints records straight from a backup, no Kafka needed.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "core/time_util.h"
#include "inspect/backup_records.h"
#include "inspect/record_output.h"

namespace kb::cli {
namespace {

Result<RecordFilter> FilterFromFlags(const CliArgs& a) {
  RecordFilter f;
  f.topic = a.topic;
  f.partition = a.partition;
  f.key = a.key;
  f.grep = a.grep;
  f.limit = a.limit;
  if (!a.time_window_start.empty()) {
    KB_ASSIGN_OR_RETURN(f.window.start, ParseTimestampMs(a.time_window_start));
  }
  if (!a.time_window_end.empty()) {
    KB_ASSIGN_OR_RETURN(f.window.end, ParseTimestampMs(a.time_window_end));
  }
  if (f.window.start && f.window.end && *f.window.start > *f.window.end)
    return Fail(ErrorCode::kInvalidArgument, "--time-window-start " + FormatTimestampMs(*f.window.start) +
                                                 " is after --time-window-end " + FormatTimestampMs(*f.window.end));
  return f;
}

}  // namespace

int RunCat(const CliArgs& a) {
  auto filter = FilterFromFlags(a);
  if (!filter) return ReportError(filter.error());
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());

  // A closed pipe (`| head`) shows up as EPIPE from fwrite instead of killing the process.
  std::signal(SIGPIPE, SIG_IGN);
  // A big buffer: output is many short lines, often into a pipe.
  static char buffer[1 << 16];
  std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  const bool jsonl = a.cat_format == "jsonl";
  int write_errno = 0;
  auto sink = [&](const std::string& topic, int32_t partition, const Record& r) {
    std::string line = jsonl ? RecordJsonLine(topic, partition, r) : RecordTextLine(topic, partition, r);
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) {
      write_errno = errno;
      return false;
    }
    return true;
  };
  auto stats = StreamBackupRecords(**store, a.backup_id, *filter, sink);
  if (std::fflush(stdout) != 0 && write_errno == 0) write_errno = errno;
  if (!stats) return ReportError(stats.error());
  // A reader that stopped early (`| head`) is not a failure; a full disk is.
  if (write_errno != 0 && write_errno != EPIPE) {
    std::fprintf(stderr, "error: cannot write to standard output: %s\n", std::strerror(write_errno));
    return 1;
  }
  spdlog::info("cat: {} records matched of {} in the window; {} partitions, {} blocks, {} read from {}",
               stats->records_matched, stats->records_in_window, stats->partitions, stats->blocks_read,
               HumanBytes(stats->bytes_read), (*store)->Describe());
  return 0;
}

void AddCatCommand(CommandRegistry& r) {
  auto& a = r.args;
  auto* cmd = r.app.add_subcommand("cat", "Print records straight from a backup (no Kafka cluster needed)");
  AddBackup(cmd, a);
  cmd->add_option("--topic,-t", a.topic, "Only this topic (default: every topic)");
  // partition and key are optional<>: set only when the flag is given.
  cmd->add_option_function<int32_t>("--partition", [&a](const int32_t& p) { a.partition = p; },
                                    "Only this partition (default: every partition)");
  cmd->add_option("--time-window-start", a.time_window_start, "First timestamp, inclusive: epoch ms or ISO-8601");
  cmd->add_option("--time-window-end", a.time_window_end, "Last timestamp, inclusive: epoch ms or ISO-8601");
  cmd->add_option_function<std::string>("--key", [&a](const std::string& k) { a.key = k; },
                                        "Only records with exactly this key");
  cmd->add_option("--grep", a.grep, "Only records whose value matches this extended regular expression (grep -E)");
  cmd->add_option("--limit", a.limit, "Stop after this many records (default: no limit)");
  cmd->add_option("--format", a.cat_format, "jsonl: one JSON object per record (docs/CAT.md); text: one line per record")
      ->check(CLI::IsMember({"jsonl", "text"}));
  r.OnRun(cmd, RunCat);
}

}  // namespace kb::cli
