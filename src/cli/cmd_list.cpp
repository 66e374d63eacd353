// `list --path P`: the backups in a storage location.
#include <cstdio>

#include "catalog/backup_catalog.h"
#include "catalog/catalog_reader.h"
#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "cli/manifest_json.h"
#include "core/time_util.h"

namespace kb::cli {

int RunList(const CliArgs& a) {
  auto store = OpenStoreToRead(a.path);
  if (!store) return ReportError(store.error());
  auto ids = ListBackupIds(**store);
  if (!ids) return ReportError(ids.error());
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& id : *ids) {
    auto state = LoadCatalog(**store, id, CatalogDepth::kSummary);
    if (!state) return ReportError(state.error());
    rows.push_back(ManifestSummaryJson(state->manifest, state->figures));
  }
  PrintReport(a, nlohmann::json{{"storage", (*store)->Describe()}, {"backups", rows}}, [&] {
    if (rows.empty()) {
      std::printf("No backups in %s\n", (*store)->Describe().c_str());
      return;
    }
    std::printf("%-28s %-12s %-11s %8s %12s %10s  %s\n", "BACKUP ID", "STATUS", "MODE", "TOPICS", "RECORDS", "SIZE",
                "UPDATED");
    for (const auto& r : rows)
      std::printf("%-28s %-12s %-11s %8zu %12llu %10s  %s\n", r["backup_id"].get<std::string>().c_str(),
                  r["status"].get<std::string>().c_str(), r["mode"].get<std::string>().c_str(), r["topics"].size(),
                  static_cast<unsigned long long>(r["records"].get<uint64_t>()),
                  HumanBytes(r["stored_bytes"].get<uint64_t>()).c_str(), r["updated_at"].get<std::string>().c_str());
  });
  return 0;
}

void AddListCommand(CommandRegistry& r) {
  auto* cmd = r.app.add_subcommand("list", "List backups in a storage location");
  AddPath(cmd, r.args);
  AddFormat(cmd, r.args);
  r.OnRun(cmd, RunList);
}

}  // namespace kb::cli
