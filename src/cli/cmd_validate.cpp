// `validate --path P --backup-id ID [--deep]`: integrity check; exit 3 on any problem.
#include <cstdio>

#include "catalog/backup_catalog.h"
#include "catalog/catalog_reader.h"
#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"

namespace kb::cli {

int RunValidate(const CliArgs& a) {
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());
  auto m = LoadManifest(**store, a.backup_id);
  if (!m) return ReportError(m.error());
  auto r = ValidateBackup(**store, *m, a.deep);
  if (!r) return ReportError(r.error());
  nlohmann::json issues = nlohmann::json::array();
  for (const auto& i : r->issues) issues.push_back({{"where", i.where}, {"problem", i.problem}});
  nlohmann::json doc{{"backup_id", r->backup_id}, {"deep", r->deep}, {"ok", r->ok()},
                     {"segments_checked", r->segments_checked}, {"blocks_checked", r->blocks_checked},
                     {"records_checked", r->records_checked}, {"gaps", r->gaps}, {"gap_records", r->gap_records},
                     {"issues", issues}};
  PrintReport(a, doc, [&] {
    std::printf("Validation of backup %s (%s): %s\n", r->backup_id.c_str(), r->deep ? "deep" : "shallow",
                r->ok() ? "OK" : "PROBLEMS FOUND");
    std::printf("  segments: %llu  blocks: %llu  records: %llu\n", static_cast<unsigned long long>(r->segments_checked),
                static_cast<unsigned long long>(r->blocks_checked), static_cast<unsigned long long>(r->records_checked));
    std::printf("  gaps recorded: %llu (%llu records deleted before they were read)\n",
                static_cast<unsigned long long>(r->gaps), static_cast<unsigned long long>(r->gap_records));
    for (const auto& i : r->issues) std::printf("  PROBLEM %s: %s\n", i.where.c_str(), i.problem.c_str());
  });
  return r->ok() ? 0 : 3;
}

void AddValidateCommand(CommandRegistry& r) {
  auto* cmd = r.app.add_subcommand("validate", "Check a backup's integrity (--deep reads every block)");
  AddBackup(cmd, r.args);
  cmd->add_flag("--deep", r.args.deep, "Verify every block's checksum and every record");
  AddFormat(cmd, r.args);
  r.OnRun(cmd, RunValidate);
}

}  // namespace kb::cli
