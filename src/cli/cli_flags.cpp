#include "cli/cli_flags.h"

#include <utility>

namespace kb::cli {

void CommandRegistry::OnRun(CLI::App* cmd, Runner run) {
  // Capture the slot, not `this`: the registry may be gone when CLI11 calls back.
  cmd->callback([slot = &runner, run = std::move(run)] { *slot = run; });
}

void AddFormat(CLI::App* cmd, CliArgs& a, std::vector<std::string> allowed) {
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

void AddBackup(CLI::App* cmd, CliArgs& a) {
  AddPath(cmd, a);
  cmd->add_option("--backup-id", a.backup_id, "Backup id")->required();
}

void AddGroups(CLI::App* cmd, CliArgs& a) {
  cmd->add_option("--groups,-g", a.groups, "Consumer groups, comma-separated")->delimiter(',');
}

void AddConfig(CLI::App* cmd, CliArgs& a) {
  cmd->add_option("-c,--config", a.config_file, "YAML config file")->type_name("FILE")->required();
}

void AddRestoreFlags(CLI::App* cmd, CliArgs& a) {
  AddConfig(cmd, a);
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
}

void AddResetFlags(CLI::App* cmd, CliArgs& a) {
  AddBackup(cmd, a);
  cmd->add_option("--restore-id", a.restore_id, "Restore whose offset mapping to use (default: the newest)");
  AddGroups(cmd, a);
  cmd->add_option("--strategy", a.strategy,
                  "skip, header-based, timestamp-based, cluster-scan or manual (default: the restore's)");
  cmd->add_flag("--force", a.force, "Commit even if the group has active members");
  AddKafka(cmd, a, true);
}

}  // namespace kb::cli
