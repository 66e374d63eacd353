// The S3 backend against a real MinIO (scripts/servers-up.sh): the shared conformance suite plus
// the failure stories a user meets first (wrong credentials, missing bucket, env-only config).
// Server address from KB_S3_ENDPOINT, KB_S3_ACCESS_KEY, KB_S3_SECRET_KEY, KB_S3_BUCKET, KB_S3_REGION.
#include <cstdlib>
#include <map>
#include <optional>

#include <gtest/gtest.h>

#include "storage/s3/http_client.h"
#include "storage/s3/s3_store.h"
#include "storage/storage_config.h"
#include "support/storage_conformance.h"
#include "support/test_env.h"

namespace kb::test {
namespace {

// Options for the test MinIO with a fresh prefix, or nullopt (the test has already failed).
std::optional<s3::S3Options> MinioOptions(const std::string& prefix) {
  s3::S3Options o;
  o.endpoint = RequireEnv("KB_S3_ENDPOINT");
  o.credentials.access_key = RequireEnv("KB_S3_ACCESS_KEY");
  o.credentials.secret_key = RequireEnv("KB_S3_SECRET_KEY");
  o.bucket = RequireEnv("KB_S3_BUCKET");
  o.region = EnvValue("KB_S3_REGION");
  if (o.endpoint.empty() || o.credentials.access_key.empty() || o.credentials.secret_key.empty() ||
      o.bucket.empty())
    return std::nullopt;
  if (o.region.empty()) o.region = "us-east-1";
  o.prefix = prefix;
  o.path_style = true;
  // Fail fast in tests: a broken server should not make every test wait a minute.
  o.retry.max_attempts = 3;
  o.retry.deadline = std::chrono::milliseconds(10000);
  return o;
}

std::unique_ptr<s3::S3Store> MustOpen(s3::S3Options o) {
  auto store = s3::S3Store::Open(std::move(o));
  if (!store) {
    ADD_FAILURE() << store.error().ToString();
    return nullptr;
  }
  return std::move(*store);
}

// The error of a result that should have failed; a success becomes an error no check accepts.
template <typename T>
Error ErrorOf(const Result<T>& r) {
  if (r) return Error{ErrorCode::kInternal, "<the call unexpectedly succeeded>"};
  return r.error();
}

// Deletes everything under the store's prefix.
void Cleanup(ObjectStore& store) {
  auto keys = store.List("");
  if (!keys) return;
  for (const auto& info : *keys) (void)store.Delete(info.key);
}

struct S3Backend {
  static std::string Name() { return "S3"; }
  static constexpr int kListPageSize = 7;  // tiny pages so List must follow continuation tokens
  std::unique_ptr<s3::S3Store> cleaner;
  std::unique_ptr<ObjectStore> Open() {
    auto o = MinioOptions("kb-storage-test/" + UniqueName("conformance"));
    if (!o) return nullptr;
    o->list_page_size = kListPageSize;
    cleaner = MustOpen(*o);
    return MustOpen(*o);
  }
  ~S3Backend() {
    if (cleaner) Cleanup(*cleaner);
  }
};

using S3Backends = ::testing::Types<S3Backend>;
INSTANTIATE_TYPED_TEST_SUITE_P(Minio, StorageConformanceTest, S3Backends, BackendNames);

// Sets environment variables for one test, restoring the previous values afterwards.
class ScopedEnv {
 public:
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
  }
  void Set(const std::string& name, const std::optional<std::string>& value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) setenv(name.c_str(), value->c_str(), 1);
    else unsetenv(name.c_str());
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(S3Store, WrongSecretIsPermissionDeniedNamingBucketAndEndpointButNotTheSecret) {
  auto o = MinioOptions("kb-storage-test/" + UniqueName("badsecret"));
  ASSERT_TRUE(o);
  const std::string wrong_secret = "wrong-secret-" + UniqueName("s");
  o->credentials.secret_key = wrong_secret;
  auto store = MustOpen(*o);
  ASSERT_TRUE(store);
  auto put = store->Put("k", "v");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kPermissionDenied) << put.error().ToString();
  EXPECT_FALSE(put.error().retryable);
  const std::string& msg = put.error().message;
  EXPECT_NE(msg.find("bucket=" + o->bucket), std::string::npos) << msg;
  EXPECT_NE(msg.find("endpoint=" + o->endpoint), std::string::npos) << msg;
  EXPECT_NE(msg.find("SignatureDoesNotMatch"), std::string::npos) << msg;
  EXPECT_EQ(msg.find(wrong_secret), std::string::npos) << msg;
  EXPECT_EQ(msg.find("AWS4-HMAC-SHA256"), std::string::npos) << msg;

  for (const Error& e : {ErrorOf(store->Get("k")), ErrorOf(store->List("")), ErrorOf(store->Size("k"))}) {
    EXPECT_EQ(e.code, ErrorCode::kPermissionDenied) << e.ToString();
    EXPECT_NE(e.message.find("bucket=" + o->bucket), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find(wrong_secret), std::string::npos) << e.message;
  }
}

TEST(S3Store, UnknownAccessKeyIsPermissionDeniedWithAHintAboutTheKey) {
  auto o = MinioOptions("kb-storage-test/" + UniqueName("badkey"));
  ASSERT_TRUE(o);
  o->credentials.access_key = "AKIANOSUCHUSER";
  const std::string secret = o->credentials.secret_key;
  auto store = MustOpen(*o);
  ASSERT_TRUE(store);
  auto list = store->List("");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kPermissionDenied) << list.error().ToString();
  EXPECT_NE(list.error().message.find("InvalidAccessKeyId"), std::string::npos) << list.error().message;
  EXPECT_NE(list.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos) << list.error().message;
  EXPECT_NE(list.error().message.find("endpoint=" + o->endpoint), std::string::npos);
  EXPECT_EQ(list.error().message.find(secret), std::string::npos) << list.error().message;
}

TEST(S3Store, MissingBucketIsNotFoundNamingBucketAndEndpoint) {
  auto o = MinioOptions("p");
  ASSERT_TRUE(o);
  o->bucket = UniqueName("kb-no-such-bucket");
  auto store = MustOpen(*o);
  ASSERT_TRUE(store);
  for (const Error& e : {ErrorOf(store->Put("k", "v")), ErrorOf(store->List("")), ErrorOf(store->Get("k"))}) {
    EXPECT_EQ(e.code, ErrorCode::kNotFound) << e.ToString();
    EXPECT_NE(e.message.find("bucket=" + o->bucket), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("endpoint=" + o->endpoint), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("NoSuchBucket"), std::string::npos) << e.message;
  }
}

TEST(S3Store, MissingKeyIsNotFoundNamingTheKey) {
  auto o = MinioOptions("kb-storage-test/" + UniqueName("nokey"));
  ASSERT_TRUE(o);
  auto store = MustOpen(*o);
  ASSERT_TRUE(store);
  auto got = store->Get("backup-7/manifest.json");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  EXPECT_NE(got.error().message.find(o->prefix + "/backup-7/manifest.json"), std::string::npos)
      << got.error().message;
  EXPECT_NE(got.error().message.find("NoSuchKey"), std::string::npos) << got.error().message;
}

TEST(S3Store, UnreachableEndpointIsRetryableUnavailable) {
  auto o = MinioOptions("p");
  ASSERT_TRUE(o);
  o->endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  o->retry.max_attempts = 2;
  o->retry.initial_backoff = std::chrono::milliseconds(1);
  auto store = MustOpen(*o);
  ASSERT_TRUE(store);
  auto got = store->Get("k");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable) << got.error().ToString();
  EXPECT_TRUE(got.error().retryable);
  EXPECT_NE(got.error().message.find("endpoint=http://127.0.0.1:1"), std::string::npos) << got.error().message;
}

TEST(S3Store, PrefixSeparatesStoresInOneBucket) {
  auto a_opts = MinioOptions("kb-storage-test/" + UniqueName("prefix-a"));
  auto b_opts = MinioOptions("kb-storage-test/" + UniqueName("prefix-b"));
  ASSERT_TRUE(a_opts && b_opts);
  auto a = MustOpen(*a_opts);
  auto b = MustOpen(*b_opts);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Put("same/key", "from a"));
  ASSERT_TRUE(b->Put("same/key", "from b"));
  auto la = a->List("");
  ASSERT_TRUE(la) << la.error().ToString();
  ASSERT_EQ(la->size(), 1u);
  EXPECT_EQ((*la)[0].key, "same/key");
  auto got = a->Get("same/key");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "from a");
  EXPECT_EQ(a->Describe(), "s3://" + a_opts->bucket + "/" + a_opts->prefix + " (endpoint " +
                               a_opts->endpoint + ")");
  Cleanup(*a);
  Cleanup(*b);
}

TEST(S3Store, MultipartUploadWithSmallThresholdStoresEveryPartInOrder) {
  auto o = MinioOptions("kb-storage-test/" + UniqueName("multipart"));
  ASSERT_TRUE(o);
  o->multipart_threshold = 1 << 20;
  o->part_size = 5 << 20;  // S3's minimum; 3 parts, the last one short
  auto store = MustOpen(*o);
  ASSERT_TRUE(store);
  const std::string data = PatternBytes((11u << 20) + 7, 99);
  ASSERT_TRUE(store->Put("parts", data));
  auto got = store->Get("parts");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_TRUE(*got == data);
  auto tail = store->GetRange("parts", (10u << 20) - 3, 6);
  ASSERT_TRUE(tail);
  EXPECT_TRUE(*tail == data.substr((10u << 20) - 3, 6));
  Cleanup(*store);
}

// The parts of one upload go up on background threads that stay for the next upload: four
// multipart uploads of three parts each open the connections of the first one only.
TEST(S3Store, MultipartUploadsReuseTheirConnections) {
  auto o = MinioOptions("kb-storage-test/" + UniqueName("multipart-conns"));
  ASSERT_TRUE(o);
  o->multipart_threshold = 1 << 20;
  o->part_size = 5 << 20;
  auto store = MustOpen(*o);
  ASSERT_TRUE(store);
  const std::string data = PatternBytes((11u << 20) + 7, 5);
  ASSERT_TRUE(store->Put("warm-up", data));  // opens what the uploads below can reuse
  const uint64_t before = s3::HttpClient::ConnectionsOpened();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store->Put("parts-" + std::to_string(i), data));
  EXPECT_LE(s3::HttpClient::ConnectionsOpened() - before, 1u) << "new connections for 4 uploads of 3 parts";
  auto got = store->Get("parts-3");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_TRUE(*got == data);
  Cleanup(*store);
}

TEST(S3Store, ParseStoragePathWithS3EndpointEnvWorksEndToEnd) {
  auto o = MinioOptions("");
  ASSERT_TRUE(o);
  const std::string prefix = "kb-storage-test/" + UniqueName("env");
  ScopedEnv env;
  env.Set("AWS_ENDPOINT_URL", std::nullopt);
  env.Set("S3_ENDPOINT", o->endpoint);
  env.Set("AWS_REGION", o->region);
  env.Set("S3_PATH_STYLE", std::nullopt);
  env.Set("AWS_S3_PATH_STYLE", std::nullopt);
  env.Set("AWS_ACCESS_KEY_ID", o->credentials.access_key);
  env.Set("AWS_SECRET_ACCESS_KEY", o->credentials.secret_key);
  env.Set("AWS_SESSION_TOKEN", std::nullopt);

  auto config = ParseStoragePath("s3://" + o->bucket + "/" + prefix);
  ASSERT_TRUE(config) << config.error().ToString();
  auto store = OpenObjectStore(*config);
  ASSERT_TRUE(store) << store.error().ToString();
  ASSERT_TRUE((*store)->Put("manifest.json", "{\"v\":1}"));
  auto got = (*store)->Get("manifest.json");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "{\"v\":1}");

  // The object really sits under the prefix in the bucket.
  auto whole_bucket = MustOpen(*o);
  ASSERT_TRUE(whole_bucket);
  auto direct = whole_bucket->Get(prefix + "/manifest.json");
  ASSERT_TRUE(direct) << direct.error().ToString();
  EXPECT_EQ(*direct, "{\"v\":1}");
  Cleanup(**store);
}

}  // namespace
}  // namespace kb::test
