// StorageConfig: where backups live, from a config file's `storage:` section or a --path URL.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "storage/backend.h"

namespace kb {

enum class StorageBackendKind { kFilesystem, kS3, kMemory };

struct StorageConfig {
  StorageBackendKind backend = StorageBackendKind::kFilesystem;
  // filesystem: root directory. Default "./kafka-backups".
  std::string path = "./kafka-backups";
  // s3: bucket (required), key prefix (may be empty), region (default us-east-1, or AWS_REGION),
  // endpoint (empty = AWS; else e.g. http://127.0.0.1:9000), path_style (default: true when an
  // endpoint is set, else false), credentials (config, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
  std::string bucket;
  std::string prefix;
  std::string region;
  std::string endpoint;
  std::optional<bool> path_style;
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  // memory: a name; the same name in one process shares one store (tests).
  std::string memory_name = "default";
  // s3: how long one request is retried through an outage (5xx, throttling, connection refused)
  // before it fails. Default 5 minutes.
  int64_t retry_deadline_ms = 300000;
};

// Parses a --path value: "s3://bucket/prefix", "file:///abs/dir", "memory://name", or a plain
// directory. For s3:// the endpoint, region and path style come from the environment:
// AWS_ENDPOINT_URL or S3_ENDPOINT, AWS_REGION / AWS_DEFAULT_REGION, S3_PATH_STYLE / AWS_S3_PATH_STYLE.
Result<StorageConfig> ParseStoragePath(const std::string& path);

// Builds the backend the config names. Fails with kInvalidArgument on an incomplete config.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const StorageConfig& config);

}  // namespace kb
