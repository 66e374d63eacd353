// `show-offset-mapping --path P --backup-id B [--restore-id R] [--format text|json|yaml|csv]`
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "catalog/documents.h"
#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "core/time_util.h"

namespace kb::cli {

int RunShowOffsetMapping(const CliArgs& a) {
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());
  auto m = LoadOffsetMapping(**store, a.backup_id, a.restore_id);
  if (!m) return ReportError(m.error());
  if (a.format == "csv") {
    std::cout << "source_topic,source_partition,target_topic,target_partition,source_offset,target_offset,count\n";
    for (const auto& p : m->partitions)
      for (const auto& r : p.ranges)
        std::cout << p.source_topic << ',' << p.source_partition << ',' << p.target_topic << ',' << p.target_partition
                  << ',' << r.source_offset << ',' << r.target_offset << ',' << r.count << '\n';
    std::cout.flush();
    return 0;
  }
  nlohmann::json doc = ToJson(*m);
  PrintReport(a, doc, [&] {
    std::printf("Offset mapping of restore %s (backup %s, created %s)\n", m->restore_id.c_str(), m->backup_id.c_str(),
                FormatTimestampMs(m->created_at_ms).c_str());
    std::printf("  window: %s .. %s\n",
                m->time_window_start ? FormatTimestampMs(*m->time_window_start).c_str() : "(beginning)",
                m->time_window_end ? FormatTimestampMs(*m->time_window_end).c_str() : "(end)");
    for (const auto& p : m->partitions) {
      std::printf("  %s[%d] -> %s[%s]: %llu records, target end offset %lld\n", p.source_topic.c_str(),
                  p.source_partition, p.target_topic.c_str(),
                  p.target_partition < 0 ? "by key" : std::to_string(p.target_partition).c_str(),
                  static_cast<unsigned long long>(p.records()), static_cast<long long>(p.target_end_offset));
      for (const auto& r : p.ranges)
        std::printf("    source %lld..%lld -> target %lld..%lld\n", static_cast<long long>(r.source_offset),
                    static_cast<long long>(r.source_offset + r.count - 1), static_cast<long long>(r.target_offset),
                    static_cast<long long>(r.target_offset + r.count - 1));
    }
  });
  return 0;
}

void AddShowOffsetMappingCommand(CommandRegistry& r) {
  auto* cmd = r.app.add_subcommand("show-offset-mapping", "Show a restore's source-to-target offset mapping");
  AddBackup(cmd, r.args);
  cmd->add_option("--restore-id", r.args.restore_id, "Restore id (default: the newest)");
  AddFormat(cmd, r.args, {"text", "json", "yaml", "csv"});
  r.OnRun(cmd, RunShowOffsetMapping);
}

}  // namespace kb::cli
