#include "cli/cli_common.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <yaml-cpp/yaml.h>

#include <spdlog/spdlog.h>

#include "catalog/catalog_reader.h"
#include "config/kafka_options.h"
#include "core/time_util.h"
#include "storage/storage_config.h"

namespace kb::cli {
namespace {

void EmitYaml(YAML::Emitter& out, const nlohmann::json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (auto it = j.begin(); it != j.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      EmitYaml(out, it.value());
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& v : j) EmitYaml(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << j.get<std::string>();
  } else if (j.is_null()) {
    out << YAML::Null;
  } else {
    out << j.dump();
  }
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenStoreForPath(const std::string& path) {
  KB_ASSIGN_OR_RETURN(auto sc, ParseStoragePath(path));
  return OpenObjectStore(sc);
}

Result<std::unique_ptr<ObjectStore>> OpenStoreToRead(const std::string& path) {
  KB_ASSIGN_OR_RETURN(auto sc, ParseStoragePath(path));
  if (sc.backend == StorageBackendKind::kFilesystem && !std::filesystem::is_directory(sc.path))
    return Fail(ErrorCode::kNotFound, "directory " + sc.path + " does not exist: check --path");
  return OpenObjectStore(sc);
}

Result<std::unique_ptr<ObjectStore>> OpenStoreForConfig(const Config& config, const std::string& path_flag) {
  if (!path_flag.empty()) return OpenStoreForPath(path_flag);
  if (config.storage_given) return OpenObjectStore(config.storage);
  if (const char* env = std::getenv("KAFKA_BACKUP_PATH"); env && *env) return OpenStoreForPath(env);
  return OpenObjectStore(StorageConfig{});
}

Result<kafka::KafkaClientConfig> KafkaConfigFromFlags(const CliArgs& a) {
  // The flags describe a cluster as a config section does, and go through the same conversion.
  ClusterSection cluster;
  KB_ASSIGN_OR_RETURN(cluster.bootstrap_servers, ParseBootstrapServers(a.bootstrap_servers));
  cluster.security = a.security;
  KB_TRY(ParseKafkaProperties(a.kafka_properties, &cluster.properties));
  return ToKafkaClientConfig(cluster);
}

Result<Config> LoadConfigWithOverrides(const CliArgs& a) {
  KB_ASSIGN_OR_RETURN(Config c, LoadConfigFile(a.config_file));
  if (!a.time_window_start.empty()) {
    KB_ASSIGN_OR_RETURN(auto t, ParseTimestampMs(a.time_window_start));
    c.restore.time_window_start = t;
  }
  if (!a.time_window_end.empty()) {
    KB_ASSIGN_OR_RETURN(auto t, ParseTimestampMs(a.time_window_end));
    c.restore.time_window_end = t;
  }
  if (c.restore.time_window_start && c.restore.time_window_end && *c.restore.time_window_start > *c.restore.time_window_end)
    return Fail(ErrorCode::kInvalidArgument, "time window start " + FormatTimestampMs(*c.restore.time_window_start) +
                                                 " is after its end " + FormatTimestampMs(*c.restore.time_window_end));
  if (a.dry_run) c.restore.dry_run = true;
  if (a.allow_non_empty) c.restore.allow_non_empty = true;
  c.restore.parts = a.workers;
  c.restore.after_parts = a.after_parts;
  if (a.after_parts && a.workers < 2)
    return Fail(ErrorCode::kInvalidArgument, "--after-parts needs --workers N (the number of parts that restored)");
  if (a.after_parts && a.worker_index >= 0)
    return Fail(ErrorCode::kInvalidArgument, "--after-parts covers every part: leave out --worker-index");
  if (a.workers > 1 && !a.after_parts && (a.worker_index < 0 || a.worker_index >= a.workers))
    return Fail(ErrorCode::kInvalidArgument, "--workers " + std::to_string(a.workers) +
                                                 " needs --worker-index between 0 and " + std::to_string(a.workers - 1));
  if (a.workers == 1 && a.worker_index > 0)
    return Fail(ErrorCode::kInvalidArgument, "--worker-index needs --workers N");
  c.restore.part_index = std::max(0, a.worker_index);
  if (!a.bootstrap_servers.empty()) {
    if (!c.target) c.target.emplace();
    KB_ASSIGN_OR_RETURN(c.target->bootstrap_servers, ParseBootstrapServers(a.bootstrap_servers));
  }
  return c;
}

Status DefaultTargetToBackupSource(Config& config, ObjectStore& store) {
  if (config.target && !config.target->bootstrap_servers.empty()) return {};
  if (config.backup_id.empty()) return {};
  KB_ASSIGN_OR_RETURN(auto manifest, LoadManifest(store, config.backup_id));
  if (manifest.source_bootstrap.empty()) return {};
  if (!config.target) config.target.emplace();
  KB_ASSIGN_OR_RETURN(config.target->bootstrap_servers, ParseBootstrapServers(manifest.source_bootstrap));
  spdlog::info("no target cluster given: restoring into the backup's source cluster {}", manifest.source_bootstrap);
  return {};
}

int ReportError(const Error& e) {
  // Backed-up records that cannot be read back are the one failure an SRE must not skim past.
  std::fprintf(stderr, "%s: %s\n", e.data_loss ? "error (DATA LOSS in the backup)" : "error", e.message.c_str());
  return ExitCodeFor(e);
}

void PrintReport(const CliArgs& a, const nlohmann::json& doc, const std::function<void()>& text) {
  if (a.format == "json") {
    std::cout << doc.dump(2) << std::endl;
  } else if (a.format == "yaml") {
    YAML::Emitter out;
    EmitYaml(out, doc);
    std::cout << out.c_str() << std::endl;
  } else {
    text();
    std::cout.flush();
  }
}

}  // namespace kb::cli
