#include "cli/command_help.h"

#include <map>

namespace kb::cli {
namespace {

// Exit codes, as PRODUCT.md defines them, per kind of command.
constexpr const char* kBasic = "0 success; 1 failure; 2 usage or configuration error";
constexpr const char* kInterruptible = "0 success; 1 failure; 2 usage or configuration error; 130 interrupted";

const std::map<std::string, CommandHelp>& Table() {
  static const std::map<std::string, CommandHelp> table{
      {"kafka-backup",
       {{"kafka-backup backup --config examples/backup-pitr.yaml",
         "kafka-backup restore --config examples/restore-pitr.yaml --time-window-end 2026-11-24T10:15:30.123Z",
         "kafka-backup cat --path ./kafka-backups --backup-id pitr-backup --grep CORRUPTED"},
        "0 success; 1 failure; 2 usage or configuration error; 3 partial success (some partitions or groups "
        "failed, or a verification found a mismatch); 130 interrupted"}},
      {"kafka-backup backup",
       {{"kafka-backup backup --config examples/backup-pitr.yaml",
         "kafka-backup -v backup --config backup.yaml --format json"},
        "0 success (also a continuous backup stopped by SIGINT or SIGTERM); 1 failure (some partition could not "
        "be backed up: run again to resume); 2 usage or configuration error; 130 interrupted"}},
      {"kafka-backup restore",
       {{"kafka-backup restore --config examples/restore-pitr.yaml --time-window-end 2026-11-24T10:15:30.123Z",
         "kafka-backup restore --config restore.yaml --time-window-end 1795515330123 --dry-run",
         "kafka-backup restore --config restore.yaml --path s3://kafka-backups/pitr-demo --bootstrap-servers "
         "127.0.0.1:9092",
         "kafka-backup restore --config restore.yaml --workers 3 --worker-index 0"},
        "0 complete; 1 failure; 2 usage or configuration error; 3 some partitions failed, or the --dry-run plan "
        "has problems; 130 interrupted (run the same command again to resume)"}},
      {"kafka-backup three-phase-restore",
       {{"kafka-backup three-phase-restore --config examples/restore-pitr.yaml --time-window-end "
         "2026-11-24T10:15:30.123Z",
         "kafka-backup three-phase-restore --config restore.yaml --workers 3 --after-parts"},
        "0 success; 1 failure; 2 usage or configuration error; 3 the restore or the offset reset partly failed; "
        "130 interrupted (no offsets are reset)"}},
      {"kafka-backup validate-restore",
       {{"kafka-backup validate-restore --config restore.yaml",
         "kafka-backup validate-restore --config restore.yaml --time-window-end 2026-11-24T10:15:30.123Z --format json"},
        "0 the plan has no problems; 1 failure; 2 usage or configuration error; 3 the plan has problems"}},
      {"kafka-backup snapshot-groups",
       {{"kafka-backup snapshot-groups --config examples/backup-pitr.yaml"}, kBasic}},
      {"kafka-backup list",
       {{"kafka-backup list --path s3://kafka-backups/pitr-demo", "kafka-backup list --path ./kafka-backups --format json"},
        kBasic}},
      {"kafka-backup describe",
       {{"kafka-backup describe --path ./kafka-backups --backup-id pitr-backup",
         "kafka-backup describe --path s3://kafka-backups/pitr-demo --backup-id pitr-backup --format json",
         "kafka-backup describe --path ./kafka-backups --backup-id pitr-backup --segments"},
        kBasic}},
      {"kafka-backup validate",
       {{"kafka-backup validate --path ./kafka-backups --backup-id pitr-backup",
         "kafka-backup validate --path s3://kafka-backups/pitr-demo --backup-id pitr-backup --deep"},
        "0 no problem found; 1 failure; 2 usage or configuration error; 3 problems found (listed in the report)"}},
      {"kafka-backup prune",
       {{"kafka-backup prune --path s3://kafka-backups/pitr-demo --backup-id pitr-backup --keep-within 7d",
         "kafka-backup prune --path ./kafka-backups --backup-id pitr-backup --keep-within 30d --dry-run --format json"},
        "0 success (objects under Object Lock are reported and kept); 1 failure (run prune again: the backup stays "
        "consistent); 2 usage error, or a format-1 backup; 130 interrupted"}},
      {"kafka-backup delete",
       {{"kafka-backup delete --path ./kafka-backups --backup-id old-backup",
         "kafka-backup delete --path s3://kafka-backups/pitr-demo --backup-id old-backup --force --format json"},
        "0 the backup is gone; 1 failure, or a backup or restore of it is running (without --force); 2 usage error; "
        "3 some objects are kept by Object Lock until the dates reported"}},
      {"kafka-backup status", {{"kafka-backup status --path ./kafka-backups --format yaml"}, kBasic}},
      {"kafka-backup show-offset-mapping",
       {{"kafka-backup show-offset-mapping --path ./kafka-backups --backup-id pitr-backup",
         "kafka-backup show-offset-mapping --path ./kafka-backups --backup-id pitr-backup --format csv"},
        kBasic}},
      {"kafka-backup cat",
       {{"kafka-backup cat --path ./kafka-backups --backup-id pitr-backup --topic payments --time-window-start "
         "2026-11-24T10:15:30.123Z --grep CORRUPTED",
         "kafka-backup cat --path s3://kafka-backups/pitr-demo --backup-id pitr-backup --key PAY-42 --format text",
         "kafka-backup cat -p ./kafka-backups --backup-id pitr-backup --partition 0 --limit 10 | jq -r .value"},
        "0 success (also when no record matches); 1 failure (backup, topic or partition not found, unreadable "
        "data); 2 usage error (bad time, regex or format); 130 interrupted"}},
      {"kafka-backup offset-reset",
       {{"kafka-backup offset-reset plan --path ./kafka-backups --backup-id pitr-backup --groups payments-processor "
         "--bootstrap-servers 127.0.0.1:9092"},
        "those of the subcommand"}},
      {"kafka-backup offset-reset plan",
       {{"kafka-backup offset-reset plan --path ./kafka-backups --backup-id pitr-backup --groups payments-processor "
         "--bootstrap-servers 127.0.0.1:9092",
         "kafka-backup offset-reset plan --path ./kafka-backups --backup-id pitr-backup --groups a,b --strategy "
         "timestamp-based --bootstrap-servers 127.0.0.1:9092 --format csv"},
        "0 the plan has no problems; 1 failure; 2 usage or configuration error; 3 the plan has problems"}},
      {"kafka-backup offset-reset execute",
       {{"kafka-backup offset-reset execute --path ./kafka-backups --backup-id pitr-backup --groups "
         "payments-processor --bootstrap-servers 127.0.0.1:9092"},
        "0 every group reset and verified; 1 failure (or every group refused, e.g. it has active members); 2 usage "
        "or configuration error; 3 some groups were not reset, or verification found a mismatch"}},
      {"kafka-backup offset-reset script",
       {{"kafka-backup offset-reset script --path ./kafka-backups --backup-id pitr-backup --groups "
         "payments-processor --bootstrap-servers 127.0.0.1:9092 --output reset-offsets.sh"},
        "0 the plan has no problems; 1 failure; 2 usage or configuration error; 3 the plan has problems"}},
      {"kafka-backup offset-reset-bulk",
       {{"kafka-backup offset-reset-bulk --path ./kafka-backups --backup-id pitr-backup --all-groups "
         "--bootstrap-servers 127.0.0.1:9092",
         "kafka-backup offset-reset-bulk --path ./kafka-backups --backup-id pitr-backup --groups a,b,c "
         "--max-concurrency 16 --max-retries 5 --bootstrap-servers 127.0.0.1:9092 --format json"},
        "0 every group reset and verified; 1 failure (or every group refused); 2 usage or configuration error; "
        "3 some groups were not reset, or verification found a mismatch"}},
      {"kafka-backup offset-rollback",
       {{"kafka-backup offset-rollback list --path s3://kafka-backups/pitr-demo"}, "those of the subcommand"}},
      {"kafka-backup offset-rollback snapshot",
       {{"kafka-backup offset-rollback snapshot --path s3://kafka-backups/pitr-demo --groups payments-processor "
         "--bootstrap-servers 127.0.0.1:9092 --description \"Pre-incident safety checkpoint\""},
        kBasic}},
      {"kafka-backup offset-rollback list",
       {{"kafka-backup offset-rollback list --path s3://kafka-backups/pitr-demo --format text"}, kBasic}},
      {"kafka-backup offset-rollback show",
       {{"kafka-backup offset-rollback show --path ./kafka-backups --snapshot-id snapshot-20261124T101530123Z-1a2b3c"},
        kBasic}},
      {"kafka-backup offset-rollback verify",
       {{"kafka-backup offset-rollback verify --path ./kafka-backups --snapshot-id "
         "snapshot-20261124T101530123Z-1a2b3c --bootstrap-servers 127.0.0.1:9092"},
        "0 the cluster's offsets match the snapshot; 1 failure; 2 usage or configuration error; 3 mismatch"}},
      {"kafka-backup offset-rollback rollback",
       {{"kafka-backup offset-rollback rollback --path s3://kafka-backups/pitr-demo --snapshot-id \"$SNAPSHOT_ID\" "
         "--bootstrap-servers 127.0.0.1:9092 --verify true"},
        "0 every group rolled back (and verified); 1 failure (or every group refused); 2 usage or configuration "
        "error; 3 some groups failed, or verification found a mismatch"}},
      {"kafka-backup offset-rollback delete",
       {{"kafka-backup offset-rollback delete --path ./kafka-backups --snapshot-id snapshot-20261124T101530123Z-1a2b3c"},
        kBasic}},
      {"kafka-backup generate",
       {{"kafka-backup generate man --output kafka-backup.1",
         "kafka-backup generate bash-completion --output /usr/share/bash-completion/completions/kafka-backup"},
        kBasic}},
  };
  return table;
}

std::string Footer(const CommandHelp& h) {
  std::string out = "Examples:\n";
  for (const auto& e : h.examples) out += "  " + e + "\n";
  return out + "\nExit codes: " + h.exit_codes;
}

}  // namespace

std::string CommandPath(const CLI::App& cmd) {
  std::string path;
  for (const CLI::App* c = &cmd; c != nullptr; c = c->get_parent())
    path = c->get_parent() ? " " + c->get_name() + path : "kafka-backup" + path;
  return path;
}

const CommandHelp* FindCommandHelp(const std::string& path) {
  auto it = Table().find(path);
  return it == Table().end() ? nullptr : &it->second;
}

void AddHelpFooters(CLI::App& app) {
  if (const CommandHelp* h = FindCommandHelp(CommandPath(app))) app.footer(Footer(*h));
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) AddHelpFooters(*sub);
}

}  // namespace kb::cli
