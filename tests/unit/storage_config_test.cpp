// ParseStoragePath, OpenObjectStore and the S3 option defaults (no network involved).
#include <cstdlib>
#include <map>
#include <optional>

#include <gtest/gtest.h>

#include "storage/s3/s3_store.h"
#include "storage/storage_config.h"

namespace kb {
namespace {

// Sets/unsets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  ScopedEnv() {
    for (const char* name : kNames) {
      const char* v = std::getenv(name);
      saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
  }
  void Set(const char* name, const std::string& value) { setenv(name, value.c_str(), 1); }

 private:
  static constexpr const char* kNames[] = {
      "AWS_ENDPOINT_URL", "S3_ENDPOINT", "AWS_REGION", "AWS_DEFAULT_REGION", "S3_PATH_STYLE",
      "AWS_S3_PATH_STYLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"};
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(ParseStoragePath, S3UrlGivesBucketAndPrefix) {
  ScopedEnv env;
  auto c = ParseStoragePath("s3://kafka-backups/pitr/demo/");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->backend, StorageBackendKind::kS3);
  EXPECT_EQ(c->bucket, "kafka-backups");
  EXPECT_EQ(c->prefix, "pitr/demo");
  EXPECT_EQ(c->endpoint, "");
  EXPECT_FALSE(c->path_style.has_value());
  auto bare = ParseStoragePath("s3://only-bucket");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->bucket, "only-bucket");
  EXPECT_EQ(bare->prefix, "");
}

TEST(ParseStoragePath, S3EndpointComesFromAwsEndpointUrlBeforeS3Endpoint) {
  ScopedEnv env;
  env.Set("S3_ENDPOINT", "http://127.0.0.1:9000");
  auto c = ParseStoragePath("s3://b/p");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->endpoint, "http://127.0.0.1:9000");
  env.Set("AWS_ENDPOINT_URL", "http://10.0.0.1:9000");
  c = ParseStoragePath("s3://b/p");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->endpoint, "http://10.0.0.1:9000");
}

TEST(ParseStoragePath, S3RegionAndPathStyleComeFromTheEnvironment) {
  ScopedEnv env;
  env.Set("AWS_REGION", "eu-west-1");
  env.Set("S3_PATH_STYLE", "false");
  auto c = ParseStoragePath("s3://b/p");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->region, "eu-west-1");
  ASSERT_TRUE(c->path_style.has_value());
  EXPECT_FALSE(*c->path_style);
  env.Set("S3_PATH_STYLE", "");
  env.Set("AWS_S3_PATH_STYLE", "1");
  c = ParseStoragePath("s3://b/p");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path_style, std::optional<bool>(true));
}

TEST(ParseStoragePath, S3PathStyleThatIsNotABooleanIsInvalid) {
  ScopedEnv env;
  env.Set("S3_PATH_STYLE", "sometimes");
  auto c = ParseStoragePath("s3://b/p");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message.find("S3_PATH_STYLE=sometimes"), std::string::npos);
}

TEST(ParseStoragePath, S3UrlWithoutBucketIsInvalid) {
  auto c = ParseStoragePath("s3:///prefix");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message.find("no bucket"), std::string::npos);
}

TEST(ParseStoragePath, FileUrlGivesAnAbsoluteDirectory) {
  auto c = ParseStoragePath("file:///var/backups/kafka");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->backend, StorageBackendKind::kFilesystem);
  EXPECT_EQ(c->path, "/var/backups/kafka");
  auto local = ParseStoragePath("file://localhost/srv/b");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->path, "/srv/b");
  auto relative = ParseStoragePath("file://relative/dir");
  ASSERT_FALSE(relative);
  EXPECT_EQ(relative.error().code, ErrorCode::kInvalidArgument);
}

TEST(ParseStoragePath, PlainDirectoryIsFilesystem) {
  auto c = ParseStoragePath("./kafka-backups");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->backend, StorageBackendKind::kFilesystem);
  EXPECT_EQ(c->path, "./kafka-backups");
}

TEST(ParseStoragePath, MemoryUrlNamesTheStore) {
  auto c = ParseStoragePath("memory://unit");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->backend, StorageBackendKind::kMemory);
  EXPECT_EQ(c->memory_name, "unit");
}

TEST(ParseStoragePath, UnknownSchemeIsInvalidAndNamesTheSchemeAndTheChoices) {
  auto c = ParseStoragePath("gs://bucket/x");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message.find("gs://"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("s3://"), std::string::npos) << c.error().message;
  EXPECT_FALSE(ParseStoragePath(""));
}

TEST(OpenObjectStore, S3WithoutCredentialsIsAClearInvalidArgument) {
  ScopedEnv env;
  auto c = ParseStoragePath("s3://kafka-backups/x");
  ASSERT_TRUE(c);
  auto store = OpenObjectStore(*c);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("bucket=kafka-backups"), std::string::npos);
}

TEST(OpenObjectStore, S3WithHalfTheConfigCredentialsSaysWhichIsMissing) {
  ScopedEnv env;
  StorageConfig c;
  c.backend = StorageBackendKind::kS3;
  c.bucket = "b";
  c.access_key = "AKIA";
  auto store = OpenObjectStore(c);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message.find("not secret_key"), std::string::npos) << store.error().message;
}

TEST(OpenObjectStore, S3WithEndpointWithoutSchemeIsInvalid) {
  ScopedEnv env;
  StorageConfig c;
  c.backend = StorageBackendKind::kS3;
  c.bucket = "b";
  c.endpoint = "127.0.0.1:9000";
  c.access_key = "a";
  c.secret_key = "s";
  auto store = OpenObjectStore(c);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message.find("http://"), std::string::npos);
}

TEST(ResolveS3Options, DefaultsToAwsVirtualHostInUsEast1) {
  ScopedEnv env;
  env.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.Set("AWS_SECRET_ACCESS_KEY", "secretenv");
  StorageConfig c;
  c.backend = StorageBackendKind::kS3;
  c.bucket = "b";
  c.prefix = "/p/q/";
  auto o = s3::ResolveS3Options(c);
  ASSERT_TRUE(o) << o.error().ToString();
  EXPECT_EQ(o->region, "us-east-1");
  EXPECT_EQ(o->endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(o->path_style);
  EXPECT_EQ(o->prefix, "p/q");
  EXPECT_EQ(o->credentials.access_key, "AKIDENV");
  EXPECT_EQ(o->credentials.secret_key, "secretenv");
}

TEST(ResolveS3Options, RegionFallsBackToAwsDefaultRegionAndShapesTheEndpoint) {
  ScopedEnv env;
  env.Set("AWS_DEFAULT_REGION", "ap-south-1");
  StorageConfig c;
  c.backend = StorageBackendKind::kS3;
  c.bucket = "b";
  c.access_key = "a";
  c.secret_key = "s";
  auto o = s3::ResolveS3Options(c);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->region, "ap-south-1");
  EXPECT_EQ(o->endpoint, "https://s3.ap-south-1.amazonaws.com");
}

TEST(ResolveS3Options, CustomEndpointDefaultsToPathStyleUnlessConfigured) {
  ScopedEnv env;
  env.Set("S3_ENDPOINT", "http://127.0.0.1:9000/");
  StorageConfig c;
  c.backend = StorageBackendKind::kS3;
  c.bucket = "b";
  c.access_key = "a";
  c.secret_key = "s";
  auto o = s3::ResolveS3Options(c);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(o->path_style);
  c.path_style = false;
  o = s3::ResolveS3Options(c);
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->path_style);
}

TEST(ResolveS3Options, ConfigCredentialsWinOverTheEnvironment) {
  ScopedEnv env;
  env.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.Set("AWS_SECRET_ACCESS_KEY", "secretenv");
  env.Set("AWS_SESSION_TOKEN", "tokenenv");
  StorageConfig c;
  c.backend = StorageBackendKind::kS3;
  c.bucket = "b";
  c.access_key = "AKIDCONF";
  c.secret_key = "secretconf";
  auto o = s3::ResolveS3Options(c);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->credentials.access_key, "AKIDCONF");
  EXPECT_EQ(o->credentials.secret_key, "secretconf");
  EXPECT_EQ(o->credentials.session_token, "");  // an env token never pairs with config keys
  c.access_key.clear();
  c.secret_key.clear();
  o = s3::ResolveS3Options(c);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->credentials.session_token, "tokenenv");
}

}  // namespace
}  // namespace kb
