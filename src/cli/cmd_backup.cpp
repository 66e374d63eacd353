// `backup --config FILE`
#include <cstdio>

#include <spdlog/spdlog.h>

#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "workflow/backup_workflow.h"

namespace kb::cli {

int RunBackup(const CliArgs& a) {
  auto config = LoadConfigFile(a.config_file);
  if (!config) return ReportError(config.error());
  if (!config->mode.empty() && config->mode != "backup")
    return ReportError(Error{ErrorCode::kInvalidArgument, a.config_file + " has mode: " + config->mode +
                                                              "; the backup command needs mode: backup"});
  auto store = OpenStoreForConfig(*config, "");
  if (!store) return ReportError(store.error());
  auto s = RunBackupWorkflow(*config, **store);
  if (!s) return ReportError(s.error());

  nlohmann::json doc{{"backup_id", s->backup_id}, {"mode", s->mode}, {"storage", (*store)->Describe()},
                     {"topics", s->topics}, {"partitions", s->partitions}, {"records", s->records},
                     {"bytes", s->bytes}, {"stored_bytes", s->stored_bytes}, {"segments", s->segments},
                     {"gaps", s->gaps}, {"gap_records", s->gap_records}, {"seconds", s->seconds},
                     {"mb_per_second", s->mb_per_second}, {"interrupted", s->interrupted},
                     {"errors", s->errors}, {"status", s->errors.empty() ? "ok" : "failed"}};
  PrintReport(a, doc, [&] {
    std::printf("Backup %s (%s) to %s\n", s->backup_id.c_str(), s->mode.c_str(), (*store)->Describe().c_str());
    std::printf("  topics: %d  partitions: %d  segments written: %llu\n", s->topics, s->partitions,
                static_cast<unsigned long long>(s->segments));
    std::printf("  records: %llu  bytes: %s  compressed: %s\n", static_cast<unsigned long long>(s->records),
                HumanBytes(s->bytes).c_str(), HumanBytes(s->stored_bytes).c_str());
    std::printf("  duration: %.2f s  throughput: %.1f MB/s\n", s->seconds, s->mb_per_second);
    std::printf("  gaps: %llu (%llu records deleted before they could be read)\n",
                static_cast<unsigned long long>(s->gaps), static_cast<unsigned long long>(s->gap_records));
    for (const auto& e : s->errors) std::printf("  FAILED: %s\n", e.c_str());
  });
  if (!s->errors.empty()) return 1;
  if (s->interrupted && s->mode != "continuous") return 130;
  return 0;
}

void AddBackupCommand(CommandRegistry& r) {
  auto* cmd = r.app.add_subcommand("backup", "Run the backup a config file describes");
  AddConfig(cmd, r.args);
  AddFormat(cmd, r.args);
  r.OnRun(cmd, RunBackup);
}

}  // namespace kb::cli
