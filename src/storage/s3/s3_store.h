// S3Store: an ObjectStore in an S3 bucket (AWS S3, MinIO, any S3-compatible server).
//
// Contract (beyond ObjectStore's):
// - Key "a/b" is the object "<prefix>/a/b" in the bucket; List strips the prefix again.
// - Put of up to multipart_threshold bytes is one PUT; larger objects use a multipart upload
//   (parts of part_size bytes, at least 5 MiB, upload_concurrency of them at a time) that is
//   aborted if any step fails, so an object is either the whole new one or untouched.
// - Every request is signed with SigV4 and retried with `retry` when S3 or the network says a
//   retry can help (5xx, 429, SlowDown, connection errors); other 4xx answers are not retried.
//   ResolveS3Options makes `retry` ride out outages up to storage.retry_deadline_ms, and keep
//   retrying for the stop grace after SIGTERM (see core/stop.h); outage() shows such an outage
//   and the writes waiting for it.
// - Errors: wrong credentials -> kPermissionDenied naming bucket and endpoint; missing bucket
//   -> kNotFound naming bucket and endpoint; missing key -> kNotFound naming the key. No message
//   contains the secret key, the session token or the Authorization header.
// - Thread safe: many threads may call one store at once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/retry.h"
#include "storage/backend.h"
#include "storage/s3/http_client.h"
#include "storage/s3/sigv4.h"
#include "storage/storage_config.h"

namespace kb::s3 {

struct S3Options {
  std::string bucket;    // required
  std::string prefix;    // key prefix without leading/trailing '/', may be empty
  std::string region;    // signing region, e.g. "us-east-1"
  std::string endpoint;  // "https://s3.us-east-1.amazonaws.com" or "http://127.0.0.1:9000"
  bool path_style = false;  // http://host/bucket/key instead of http://bucket.host/key
  SigV4Credentials credentials;
  uint64_t multipart_threshold = 16ull << 20;  // objects above this size use multipart upload
  uint64_t part_size = 8ull << 20;             // raised to 5 MiB (S3's minimum) if smaller
  size_t upload_concurrency = 4;               // parts of one multipart upload sent at once
  int list_page_size = 1000;                   // max-keys per ListObjectsV2 page
  RetryPolicy retry;
  HttpOptions http;
};

// Completes a StorageConfig into S3Options (retry: storage.retry_deadline_ms, see above):
//   region   config, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1;
//   endpoint config, else AWS_ENDPOINT_URL, else S3_ENDPOINT, else https://s3.<region>.amazonaws.com;
//   path style config, else S3_PATH_STYLE / AWS_S3_PATH_STYLE, else true iff an endpoint was given;
//   credentials config access_key/secret_key (+ session_token), else AWS_ACCESS_KEY_ID /
//   AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN).
// Fails with kInvalidArgument when the bucket or the credentials are missing.
Result<S3Options> ResolveS3Options(const StorageConfig& config);

// S3_PATH_STYLE, else AWS_S3_PATH_STYLE (true/false/1/0/yes/no/on/off), or nullopt when neither
// is set. kInvalidArgument for any other value.
Result<std::optional<bool>> PathStyleFromEnv();

class S3Store : public ObjectStore {
 public:
  // Checks the options (no network I/O); fails with kInvalidArgument on a bad endpoint.
  static Result<std::unique_ptr<S3Store>> Open(S3Options options);

  Status Put(const std::string& key, const std::string& data) override;
  Result<std::string> Get(const std::string& key) override;
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override;
  using ObjectStore::List;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix, const ListOptions& options) override;
  Result<DeleteResult> Delete(const std::string& key) override;
  Result<uint64_t> Size(const std::string& key) override;
  std::string Describe() const override;

  const S3Options& options() const { return options_; }

 private:
  struct Call;
  S3Store(S3Options options, std::string scheme, std::string authority, std::string base_path);

  std::string ObjectKey(const std::string& key) const;
  Result<HttpResponse> SendOnce(const Call& call) const;
  Result<HttpResponse> Send(const Call& call) const;
  // Runs `attempt` under options_.retry; an outage it rides out shows in outage().
  Result<HttpResponse> Retry(const std::function<Result<HttpResponse>()>& attempt) const;
  Error MapError(const Call& call, const HttpResponse& response) const;
  std::string Redact(std::string text) const;
  std::string Where() const;
  Status PutMultipart(const std::string& object_key, const std::string& data);

  S3Options options_;
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // "127.0.0.1:9000"
  std::string base_path_;  // endpoint path, usually ""
  HttpClient http_;
};

}  // namespace kb::s3
