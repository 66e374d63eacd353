// Helpers every command shares: opening storage, printing reports, reporting errors.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_args.h"
#include "config/config.h"
#include "core/error.h"
#include "core/text_encoding.h"
#include "kafka/client_config.h"
#include "storage/backend.h"

namespace kb::cli {

// Storage for a config-driven command: --path if given, else the config's storage section,
// else $KAFKA_BACKUP_PATH, else ./kafka-backups.
Result<std::unique_ptr<ObjectStore>> OpenStoreForConfig(const Config& config, const std::string& path_flag);
// Storage for a --path command.
Result<std::unique_ptr<ObjectStore>> OpenStoreForPath(const std::string& path);
// As OpenStoreForPath, for commands that read what is already stored: a directory that does not
// exist is kNotFound naming it (a typo in --path must not look like an empty location).
Result<std::unique_ptr<ObjectStore>> OpenStoreToRead(const std::string& path);

// Kafka connection from the connection flags (--bootstrap-servers, security, -X).
Result<kafka::KafkaClientConfig> KafkaConfigFromFlags(const CliArgs& a);

// Loads --config and applies the restore flags (--time-window-*, --dry-run, --allow-non-empty).
Result<Config> LoadConfigWithOverrides(const CliArgs& a);

// A restore config without a target restores into the backup's source cluster (the seed's
// restore-pitr.yaml names none): fills config.target from the manifest's source_bootstrap.
Status DefaultTargetToBackupSource(Config& config, ObjectStore& store);

// Prints `error: <message>` on stderr and returns the exit status for it.
int ReportError(const Error& e);

// Prints a report on stdout: JSON or YAML of `doc`, or `text()` for --format text.
void PrintReport(const CliArgs& a, const nlohmann::json& doc, const std::function<void()>& text);


}  // namespace kb::cli
