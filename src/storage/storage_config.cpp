#include "storage/storage_config.h"

#include <cstdlib>

#include "storage/filesystem_store.h"
#include "storage/memory_store.h"
#include "storage/s3/s3_store.h"

namespace kb {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

constexpr const char* kPathHelp =
    "use s3://<bucket>/<prefix>, file:///<absolute dir>, memory://<name> or a directory path";

}  // namespace

Result<StorageConfig> ParseStoragePath(const std::string& path) {
  if (path.empty()) return Fail(ErrorCode::kInvalidArgument, std::string("storage path is empty: ") + kPathHelp);
  StorageConfig config;
  const size_t sep = path.find("://");
  if (sep == std::string::npos) {
    config.backend = StorageBackendKind::kFilesystem;
    config.path = path;
    return config;
  }
  const std::string scheme = path.substr(0, sep);
  const std::string rest = path.substr(sep + 3);
  if (scheme == "s3") {
    const size_t slash = rest.find('/');
    config.backend = StorageBackendKind::kS3;
    config.bucket = rest.substr(0, slash);
    if (config.bucket.empty())
      return Fail(ErrorCode::kInvalidArgument, "storage path \"" + path + "\" has no bucket: " + kPathHelp);
    config.prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
    while (!config.prefix.empty() && config.prefix.back() == '/') config.prefix.pop_back();
    config.endpoint = Env("AWS_ENDPOINT_URL");
    if (config.endpoint.empty()) config.endpoint = Env("S3_ENDPOINT");
    config.region = Env("AWS_REGION");
    if (config.region.empty()) config.region = Env("AWS_DEFAULT_REGION");
    KB_ASSIGN_OR_RETURN(config.path_style, s3::PathStyleFromEnv());
    return config;
  }
  if (scheme == "file") {
    // file:///abs/dir (empty host) or file://localhost/abs/dir.
    std::string dir = rest;
    if (dir.rfind("localhost/", 0) == 0) dir = dir.substr(9);
    if (dir.empty() || dir.front() != '/')
      return Fail(ErrorCode::kInvalidArgument,
                  "storage path \"" + path + "\" must name an absolute directory, like file:///var/backups");
    config.backend = StorageBackendKind::kFilesystem;
    config.path = dir;
    return config;
  }
  if (scheme == "memory") {
    config.backend = StorageBackendKind::kMemory;
    config.memory_name = rest.empty() ? "default" : rest;
    return config;
  }
  return Fail(ErrorCode::kInvalidArgument,
              "unsupported storage scheme \"" + scheme + "://\" in \"" + path + "\": " + kPathHelp);
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const StorageConfig& config) {
  switch (config.backend) {
    case StorageBackendKind::kFilesystem:
      if (config.path.empty())
        return Fail(ErrorCode::kInvalidArgument, "filesystem storage needs a directory (storage.path)");
      return std::unique_ptr<ObjectStore>(new FilesystemStore(config.path));
    case StorageBackendKind::kMemory:
      return std::unique_ptr<ObjectStore>(new MemoryStore(config.memory_name));
    case StorageBackendKind::kS3: {
      KB_ASSIGN_OR_RETURN(s3::S3Options options, s3::ResolveS3Options(config));
      KB_ASSIGN_OR_RETURN(std::unique_ptr<s3::S3Store> store, s3::S3Store::Open(std::move(options)));
      return std::unique_ptr<ObjectStore>(std::move(store));
    }
  }
  return Fail(ErrorCode::kInvalidArgument, "unknown storage backend");
}

}  // namespace kb
