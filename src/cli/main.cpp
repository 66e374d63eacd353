// kafka-backup: flags, logging setup, and dispatch to one command function.
#include <cstdio>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/command_help.h"
#include "cli/commands.h"
#include "cli/logging.h"
#include "core/stop.h"

namespace {

using kb::cli::CliArgs;
using Runner = std::function<int(const CliArgs&)>;

void AddFormat(CLI::App* cmd, CliArgs& a, std::vector<std::string> allowed = {"text", "json", "yaml"}) {
  cmd->add_option("--format", a.format, "Output format")->check(CLI::IsMember(allowed));
}

void AddKafka(CLI::App* cmd, CliArgs& a, bool required) {
  auto* opt = cmd->add_option("--bootstrap-servers,-b", a.bootstrap_servers, "Kafka bootstrap servers (host:port,...)");
  if (required) opt->required();
  auto& sec = a.security;
  cmd->add_option("--security-protocol", sec.security_protocol, "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
  cmd->add_option("--sasl-mechanism", sec.sasl_mechanism, "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI, OAUTHBEARER");
  cmd->add_option("--sasl-username", sec.sasl_username, "SASL user name");
  cmd->add_option("--sasl-password", sec.sasl_password, "SASL password (prefer KAFKA_SASL_PASSWORD in the environment)")
      ->envname("KAFKA_SASL_PASSWORD");
  cmd->add_option("--ssl-ca-location", sec.ssl_ca_location, "CA certificate file")->type_name("FILE");
  cmd->add_option("--ssl-certificate-location", sec.ssl_certificate_location, "client certificate file")->type_name("FILE");
  cmd->add_option("--ssl-key-location", sec.ssl_key_location, "client key file")->type_name("FILE");
  cmd->add_option("--ssl-key-password", sec.ssl_key_password,
                  "password of the client key file (prefer KAFKA_SSL_KEY_PASSWORD in the environment)")
      ->envname("KAFKA_SSL_KEY_PASSWORD");
  cmd->add_option("-X,--kafka-property", a.kafka_properties, "any librdkafka property, key=value (repeatable)");
}

void AddPath(CLI::App* cmd, CliArgs& a) {
  cmd->add_option("--path,-p", a.path, "Storage: s3://bucket/prefix, file:///abs/dir, a directory, or memory://name")
      ->type_name("PATH")
      ->required();
}

// --path and --backup-id: the commands that work on one stored backup.
void AddBackup(CLI::App* cmd, CliArgs& a) {
  AddPath(cmd, a);
  cmd->add_option("--backup-id", a.backup_id, "Backup id")->required();
}

void AddGroups(CLI::App* cmd, CliArgs& a) {
  cmd->add_option("--groups,-g", a.groups, "Consumer groups, comma-separated")->delimiter(',');
}

}  // namespace

int main(int argc, char** argv) {
  CliArgs a;
  Runner runner;
  CLI::App app{"kafka-backup: back up Kafka topics to S3 or a directory, restore them to any point in time, "
               "and put consumer groups back on the right records."};
  app.require_subcommand(1);
  // Global flags may also follow the subcommand: `kafka-backup backup -c x.yaml -q`.
  app.fallthrough();
  app.set_version_flag("--version", std::string("kafka-backup ") + KB_VERSION);
  app.add_flag("-v,--verbose", a.verbosity, "More log output (repeatable)");
  app.add_flag("-q,--quiet", a.quiet, "Only errors in the log");
  app.add_option("--log-format", a.log_format, "Log format on stderr")->check(CLI::IsMember({"text", "json"}));

  auto on = [&](CLI::App* cmd, Runner r) { cmd->callback([&runner, r] { runner = r; }); };

  // Config-driven commands.
  auto add_config = [&](CLI::App* cmd) {
    cmd->add_option("-c,--config", a.config_file, "YAML config file")->type_name("FILE")->required();
  };
  auto add_restore_flags = [&](CLI::App* cmd) {
    add_config(cmd);
    cmd->add_option("--time-window-start", a.time_window_start, "PITR start, inclusive: epoch ms or ISO-8601");
    cmd->add_option("--time-window-end", a.time_window_end, "PITR end, inclusive: epoch ms or ISO-8601");
    cmd->add_flag("--dry-run", a.dry_run, "Print the plan; write nothing");
    cmd->add_flag("--allow-non-empty", a.allow_non_empty, "Write into target partitions that already hold records");
    cmd->add_option("--workers", a.workers, "Machines restoring this backup together, each one part (default 1)")
        ->check(CLI::Range(1, 1024));
    cmd->add_option("--worker-index", a.worker_index, "This machine's part, 0 .. --workers minus 1");
    cmd->add_option("--path,-p", a.path, "Storage to read the backup from (when the config has no storage section)")
        ->type_name("PATH");
    cmd->add_option("--bootstrap-servers,-b", a.bootstrap_servers, "Target cluster (when the config has no target)");
    AddFormat(cmd, a);
  };
  auto* backup = app.add_subcommand("backup", "Run the backup a config file describes");
  add_config(backup);
  AddFormat(backup, a);
  on(backup, kb::cli::RunBackup);

  auto* restore = app.add_subcommand("restore", "Restore a backup, optionally to a point in time");
  add_restore_flags(restore);
  on(restore, kb::cli::RunRestore);

  auto* three = app.add_subcommand("three-phase-restore", "Snapshot groups, restore, then reset consumer offsets");
  add_restore_flags(three);
  three->add_flag("--after-parts", a.after_parts,
                  "With --workers N: restore nothing; once all N parts have finished, reset consumer offsets once");
  on(three, kb::cli::RunThreePhaseRestore);

  auto* vrestore = app.add_subcommand("validate-restore", "Show what a restore would write, and problems, without writing");
  add_restore_flags(vrestore);
  on(vrestore, kb::cli::RunValidateRestore);

  auto* snap_groups = app.add_subcommand("snapshot-groups", "Capture consumer-group offsets on the backed-up topics now");
  add_config(snap_groups);
  AddFormat(snap_groups, a);
  on(snap_groups, kb::cli::RunSnapshotGroups);

  // Storage inspection.
  auto* list = app.add_subcommand("list", "List backups in a storage location");
  AddPath(list, a);
  AddFormat(list, a);
  on(list, kb::cli::RunList);

  auto* describe = app.add_subcommand("describe", "Describe one backup: topics, partitions, segments, gaps");
  AddBackup(describe, a);
  describe->add_flag("--segments", a.segments,
                     "List every segment and gap (reads the whole catalog; without it, each partition's newest "
                     "commit gives its figures)");
  AddFormat(describe, a);
  on(describe, kb::cli::RunDescribe);

  auto* validate = app.add_subcommand("validate", "Check a backup's integrity (--deep reads every block)");
  AddBackup(validate, a);
  validate->add_flag("--deep", a.deep, "Verify every block's checksum and every record");
  AddFormat(validate, a);
  on(validate, kb::cli::RunValidate);

  auto* status = app.add_subcommand("status", "Show the state of backups and restores in a storage location");
  AddPath(status, a);
  status->add_option("--backup-id", a.backup_id, "Only this backup");
  AddFormat(status, a);
  on(status, kb::cli::RunStatus);

  auto* mapping = app.add_subcommand("show-offset-mapping", "Show a restore's source-to-target offset mapping");
  AddBackup(mapping, a);
  mapping->add_option("--restore-id", a.restore_id, "Restore id (default: the newest)");
  AddFormat(mapping, a, {"text", "json", "yaml", "csv"});
  on(mapping, kb::cli::RunShowOffsetMapping);

  auto* cat = app.add_subcommand("cat", "Print records straight from a backup (no Kafka cluster needed)");
  AddBackup(cat, a);
  cat->add_option("--topic,-t", a.topic, "Only this topic (default: every topic)");
  cat->add_option_function<int32_t>("--partition", [&a](const int32_t& p) { a.partition = p; },
                                    "Only this partition (default: every partition)");
  cat->add_option("--time-window-start", a.time_window_start, "First timestamp, inclusive: epoch ms or ISO-8601");
  cat->add_option("--time-window-end", a.time_window_end, "Last timestamp, inclusive: epoch ms or ISO-8601");
  cat->add_option_function<std::string>("--key", [&a](const std::string& k) { a.key = k; },
                                        "Only records with exactly this key");
  cat->add_option("--grep", a.grep, "Only records whose value matches this extended regular expression (grep -E)");
  cat->add_option("--limit", a.limit, "Stop after this many records (default: no limit)");
  cat->add_option("--format", a.cat_format, "jsonl: one JSON object per record (docs/CAT.md); text: one line per record")
      ->check(CLI::IsMember({"jsonl", "text"}));
  on(cat, kb::cli::RunCat);

  // Retention.
  auto* prune = app.add_subcommand("prune", "Remove what a backup no longer needs to restore inside its retention window");
  AddBackup(prune, a);
  prune->add_option("--keep-within", a.keep_within, "Keep every record newer than this: 7d, 12h, 30m, 1d12h")
      ->type_name("DURATION")
      ->required();
  prune->add_flag("--dry-run", a.dry_run, "Report what would be removed; remove nothing");
  AddFormat(prune, a);
  on(prune, kb::cli::RunPrune);

  auto* del = app.add_subcommand("delete", "Delete a whole backup");
  AddBackup(del, a);
  del->add_flag("--force", a.force, "Delete even while a backup or restore of it runs");
  AddFormat(del, a);
  on(del, kb::cli::RunDelete);

  // Consumer offsets.
  auto add_reset_flags = [&](CLI::App* cmd) {
    AddBackup(cmd, a);
    cmd->add_option("--restore-id", a.restore_id, "Restore whose offset mapping to use (default: the newest)");
    AddGroups(cmd, a);
    cmd->add_option("--strategy", a.strategy,
                    "skip, header-based, timestamp-based, cluster-scan or manual (default: the restore's)");
    cmd->add_flag("--force", a.force, "Commit even if the group has active members");
    AddKafka(cmd, a, true);
  };
  auto* reset = app.add_subcommand("offset-reset", "Reset consumer-group offsets after a restore");
  reset->require_subcommand(1);
  auto* rplan = reset->add_subcommand("plan", "Show the offsets each group would get");
  add_reset_flags(rplan);
  AddFormat(rplan, a, {"text", "json", "yaml", "csv"});
  on(rplan, kb::cli::RunOffsetResetPlan);
  auto* rexec = reset->add_subcommand("execute", "Commit the translated offsets, then verify them");
  add_reset_flags(rexec);
  AddFormat(rexec, a);
  on(rexec, kb::cli::RunOffsetResetExecute);
  auto* rscript = reset->add_subcommand("script", "Print a kafka-consumer-groups script that applies the plan");
  add_reset_flags(rscript);
  rscript->add_option("--output,-o", a.output_file, "Write the script here")->type_name("FILE");
  AddFormat(rscript, a, {"shell-script", "text", "json"});
  on(rscript, kb::cli::RunOffsetResetScript);

  auto* bulk = app.add_subcommand("offset-reset-bulk", "Reset many groups concurrently, with retries and a latency report");
  add_reset_flags(bulk);
  bulk->add_flag("--all-groups", a.all_groups, "Every group with offsets captured in the backup");
  bulk->add_option("--max-concurrency", a.max_concurrency, "Groups committed at once");
  bulk->add_option("--max-retries", a.max_retries, "Retries per group on retryable errors");
  AddFormat(bulk, a);
  on(bulk, kb::cli::RunOffsetResetBulk);

  auto* rb = app.add_subcommand("offset-rollback", "Offset snapshots: a safety net for consumer-group offsets");
  rb->require_subcommand(1);
  auto* rb_snap = rb->add_subcommand("snapshot", "Record the committed offsets of consumer groups");
  AddPath(rb_snap, a);
  AddGroups(rb_snap, a);
  rb_snap->add_flag("--all-groups", a.all_groups, "Every consumer group in the cluster");
  rb_snap->add_option("--description", a.description, "Why this snapshot was taken");
  AddKafka(rb_snap, a, true);
  AddFormat(rb_snap, a);
  on(rb_snap, kb::cli::RunRollbackSnapshot);
  auto* rb_list = rb->add_subcommand("list", "List snapshots, newest first");
  AddPath(rb_list, a);
  AddFormat(rb_list, a);
  on(rb_list, kb::cli::RunRollbackList);
  auto* rb_show = rb->add_subcommand("show", "Show one snapshot");
  AddPath(rb_show, a);
  rb_show->add_option("--snapshot-id", a.snapshot_id, "Snapshot id")->required();
  AddFormat(rb_show, a);
  on(rb_show, kb::cli::RunRollbackShow);
  auto* rb_verify = rb->add_subcommand("verify", "Compare a snapshot with the cluster's committed offsets");
  AddPath(rb_verify, a);
  rb_verify->add_option("--snapshot-id", a.snapshot_id, "Snapshot id")->required();
  AddKafka(rb_verify, a, true);
  AddFormat(rb_verify, a);
  on(rb_verify, kb::cli::RunRollbackVerify);
  auto* rb_roll = rb->add_subcommand("rollback", "Put a snapshot's offsets back");
  AddPath(rb_roll, a);
  rb_roll->add_option("--snapshot-id", a.snapshot_id, "Snapshot id")->required();
  rb_roll->add_option("--verify", a.verify, "Read the offsets back and compare (true|false)")
      ->check(CLI::IsMember({"true", "false"}));
  rb_roll->add_flag("--force", a.force, "Commit even if the group has active members");
  rb_roll->add_flag("--delete-extra", a.delete_extra, "Remove offsets committed on partitions the snapshot lacks");
  AddKafka(rb_roll, a, true);
  AddFormat(rb_roll, a);
  on(rb_roll, kb::cli::RunRollbackRollback);
  auto* rb_del = rb->add_subcommand("delete", "Delete a snapshot");
  AddPath(rb_del, a);
  rb_del->add_option("--snapshot-id", a.snapshot_id, "Snapshot id")->required();
  AddFormat(rb_del, a);
  on(rb_del, kb::cli::RunRollbackDelete);

  // Hidden: the man page and completions, generated from the definitions above.
  auto* gen = app.add_subcommand("generate", "Print the man page or a shell completion script")->group("");
  gen->add_option("what", a.generate_what, "man, bash-completion, zsh-completion, or check")
      ->required()
      ->check(CLI::IsMember({"man", "bash-completion", "zsh-completion", "check"}));
  gen->add_option("--output,-o", a.output_file, "Write here instead of standard output")->type_name("FILE");
  on(gen, [&app](const CliArgs& args) { return kb::cli::RunGenerate(app, args.generate_what, args.output_file); });

  kb::cli::AddHelpFooters(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  kb::cli::SetUpLogging(a.verbosity, a.quiet, a.log_format);
  kb::InstallStopSignalHandlers();
  Runner run = runner;  // `generate` parses again, which reassigns `runner`
  return run(a);
}
