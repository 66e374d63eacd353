#include "storage/s3/s3_store.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/parallel.h"
#include "core/time_util.h"
#include "storage/object_key.h"
#include "storage/s3/xml.h"

namespace kb::s3 {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;  // S3 rejects smaller parts (except the last)
constexpr uint64_t kMaxParts = 10000;          // S3's limit per upload

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string TrimSlashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(s.begin());
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool IsRetryableCode(const std::string& code) {
  return code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" ||
         code == "ServiceUnavailable" || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestLimitExceeded" || code == "XMinioServerNotInitialized";
}

bool IsCredentialCode(const std::string& code) {
  return code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
         code == "InvalidToken" || code == "ExpiredToken" || code == "TokenRefreshRequired" ||
         code == "InvalidSecurity";
}

}  // namespace

Result<std::optional<bool>> PathStyleFromEnv() {
  for (const char* name : {"S3_PATH_STYLE", "AWS_S3_PATH_STYLE"}) {
    const std::string value = Lower(Env(name));
    if (value.empty()) continue;
    if (value == "1" || value == "true" || value == "yes" || value == "on") return true;
    if (value == "0" || value == "false" || value == "no" || value == "off") return false;
    return Fail(ErrorCode::kInvalidArgument,
                std::string(name) + "=" + Env(name) + " is not a boolean: use true or false");
  }
  return std::optional<bool>();
}

Result<S3Options> ResolveS3Options(const StorageConfig& config) {
  S3Options o;
  o.bucket = config.bucket;
  o.prefix = TrimSlashes(config.prefix);
  if (o.bucket.empty())
    return Fail(ErrorCode::kInvalidArgument,
                "S3 storage needs a bucket: set storage.bucket or use --path s3://<bucket>/<prefix>");

  o.region = config.region;
  if (o.region.empty()) o.region = Env("AWS_REGION");
  if (o.region.empty()) o.region = Env("AWS_DEFAULT_REGION");
  if (o.region.empty()) o.region = "us-east-1";

  o.endpoint = config.endpoint;
  if (o.endpoint.empty()) o.endpoint = Env("AWS_ENDPOINT_URL");
  if (o.endpoint.empty()) o.endpoint = Env("S3_ENDPOINT");
  const bool custom_endpoint = !o.endpoint.empty();
  if (!custom_endpoint) o.endpoint = "https://s3." + o.region + ".amazonaws.com";
  while (o.endpoint.size() > 1 && o.endpoint.back() == '/') o.endpoint.pop_back();

  if (config.path_style) {
    o.path_style = *config.path_style;
  } else {
    KB_ASSIGN_OR_RETURN(std::optional<bool> from_env, PathStyleFromEnv());
    o.path_style = from_env.value_or(custom_endpoint);
  }

  if (config.retry_deadline_ms < 1000)
    return Fail(ErrorCode::kInvalidArgument, "storage.retry_deadline_ms must be at least 1000, not " +
                                                 std::to_string(config.retry_deadline_ms));
  o.retry = RetryPolicy::UntilDeadline(std::chrono::milliseconds(config.retry_deadline_ms), "storage.retry_deadline_ms");
  // A final flush after SIGTERM still gets the stop grace to store its data.
  o.retry.retry_after_stop = true;

  const std::string where = "bucket=" + o.bucket + " endpoint=" + o.endpoint;
  if (!config.access_key.empty() || !config.secret_key.empty()) {
    if (config.access_key.empty() || config.secret_key.empty())
      return Fail(ErrorCode::kInvalidArgument,
                  "S3 credentials for " + where + " are incomplete: the storage config sets " +
                      (config.access_key.empty() ? "secret_key but not access_key"
                                                 : "access_key but not secret_key"));
    o.credentials = {config.access_key, config.secret_key, config.session_token};
  } else {
    o.credentials = {Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN")};
    if (o.credentials.access_key.empty() || o.credentials.secret_key.empty())
      return Fail(ErrorCode::kInvalidArgument,
                  "no S3 credentials for " + where +
                      ": set access_key and secret_key in the storage config, or the environment "
                      "variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  return o;
}

struct S3Store::Call {
  std::string method;
  std::string object_key;  // full key with prefix; empty for bucket-level requests
  HeaderList query;
  HeaderList headers;
  std::string_view body;
  long also_ok_status = 0;  // a non-2xx status the caller handles itself (416 on ranges)
};

Result<std::unique_ptr<S3Store>> S3Store::Open(S3Options options) {
  if (options.bucket.empty() || options.bucket.find('/') != std::string::npos)
    return Fail(ErrorCode::kInvalidArgument,
                "S3 bucket name \"" + options.bucket + "\" is invalid: give a bare bucket name");
  if (options.credentials.access_key.empty() || options.credentials.secret_key.empty())
    return Fail(ErrorCode::kInvalidArgument,
                "no S3 credentials for bucket=" + options.bucket + " endpoint=" + options.endpoint +
                    ": set access_key/secret_key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  options.prefix = TrimSlashes(options.prefix);
  if (!options.prefix.empty()) KB_TRY(ValidateObjectKey(options.prefix));
  if (options.region.empty()) options.region = "us-east-1";
  options.part_size = std::max(options.part_size, kMinPartSize);
  options.list_page_size = std::clamp(options.list_page_size, 1, 1000);

  const std::string& ep = options.endpoint;
  size_t sep = ep.find("://");
  std::string scheme = sep == std::string::npos ? "" : Lower(ep.substr(0, sep));
  if (scheme != "http" && scheme != "https")
    return Fail(ErrorCode::kInvalidArgument,
                "S3 endpoint \"" + ep + "\" must start with http:// or https://");
  std::string rest = ep.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  if (authority.empty() || authority.find_first_of("?#@ ") != std::string::npos)
    return Fail(ErrorCode::kInvalidArgument, "S3 endpoint \"" + ep + "\" has no valid host");
  return std::unique_ptr<S3Store>(
      new S3Store(std::move(options), std::move(scheme), std::move(authority), std::move(base_path)));
}

S3Store::S3Store(S3Options options, std::string scheme, std::string authority, std::string base_path)
    : options_(std::move(options)),
      scheme_(std::move(scheme)),
      authority_(std::move(authority)),
      base_path_(std::move(base_path)),
      http_(options_.http) {}

std::string S3Store::Describe() const {
  return "s3://" + options_.bucket + (options_.prefix.empty() ? "" : "/" + options_.prefix) +
         " (endpoint " + options_.endpoint + ")";
}

std::string S3Store::Where() const {
  return "bucket=" + options_.bucket + " endpoint=" + options_.endpoint;
}

std::string S3Store::ObjectKey(const std::string& key) const {
  return options_.prefix.empty() ? key : options_.prefix + "/" + key;
}

std::string S3Store::Redact(std::string text) const {
  for (const std::string* secret : {&options_.credentials.secret_key, &options_.credentials.session_token}) {
    if (secret->size() < 4) continue;
    for (size_t pos; (pos = text.find(*secret)) != std::string::npos;)
      text.replace(pos, secret->size(), "<redacted>");
  }
  return text;
}

Result<HttpResponse> S3Store::SendOnce(const Call& call) const {
  const std::string host = options_.path_style ? authority_ : options_.bucket + "." + authority_;
  std::string path = base_path_;
  if (options_.path_style) path += "/" + options_.bucket;
  if (!call.object_key.empty() || !options_.path_style) path += "/" + call.object_key;

  SigV4Request sreq;
  sreq.method = call.method;
  sreq.path = path;
  sreq.query = call.query;
  sreq.headers = call.headers;
  sreq.headers.emplace_back("host", host);
  sreq.payload_sha256 = Sha256Hex(call.body);
  SigV4Result sig = SignV4(sreq, options_.region, "s3", options_.credentials,
                           std::chrono::system_clock::now());

  HttpRequest req;
  req.method = call.method;
  req.url = scheme_ + "://" + host + EncodePath(path);
  if (!call.query.empty()) req.url += "?" + EncodeQuery(call.query);
  req.headers = call.headers;
  req.headers.emplace_back("Host", host);
  for (auto& h : sig.headers_to_add) req.headers.push_back(std::move(h));
  req.body = call.body;

  Result<HttpResponse> resp = http_.Send(req);
  if (!resp) {
    Error e = resp.error();
    const bool hint = !e.retryable && e.code != ErrorCode::kCancelled;
    e.message = Redact("S3 request failed for " + Where() + ": " + e.message +
                       (hint ? ": check the endpoint URL and its TLS certificate" : ""));
    return tl::unexpected(e);
  }
  if ((resp->status >= 200 && resp->status < 300) || resp->status == call.also_ok_status) return resp;
  return tl::unexpected(MapError(call, *resp));
}

Result<HttpResponse> S3Store::Retry(const std::function<Result<HttpResponse>()>& attempt) const {
  bool failed_before = false;
  auto r = options_.retry.Run<HttpResponse>(attempt, [&](const Error& e, int, std::chrono::milliseconds) {
    if (outage().Failed(e.message, !failed_before))
      spdlog::warn("storage {} is failing; retrying for up to {} s ({}): {}", Describe(),
                   options_.retry.deadline.count() / 1000, options_.retry.deadline_name, e.message);
    failed_before = true;
  });
  int64_t lasted_ms = 0;
  if (failed_before && outage().CallEnded(&lasted_ms) && r)
    spdlog::info("storage {} answers again after {:.1f} s of failures", Describe(), lasted_ms / 1000.0);
  return r;
}

Result<HttpResponse> S3Store::Send(const Call& call) const {
  return Retry([&] { return SendOnce(call); });
}

Error S3Store::MapError(const Call& call, const HttpResponse& response) const {
  std::optional<S3ErrorBody> body = ParseErrorBody(response.body);
  std::string code = body ? body->code : "";
  if (code.empty()) code = response.Header("x-minio-error-code");
  if (code.empty()) {
    switch (response.status) {
      case 404: code = "NotFound"; break;
      case 403: code = "Forbidden"; break;
      default: code = "HTTP " + std::to_string(response.status);
    }
  }
  const std::string s3_message = body ? body->message : response.Header("x-minio-error-desc");
  const std::string what = call.method + (call.object_key.empty() ? "" : " key=" + call.object_key);
  const long st = response.status;

  Error e;
  if (IsCredentialCode(code)) {
    e = Error{ErrorCode::kPermissionDenied,
              "S3 rejected the credentials for " + Where() + " (" + code +
                  "): check access_key/AWS_ACCESS_KEY_ID and secret_key/AWS_SECRET_ACCESS_KEY"};
  } else if (code == "NoSuchBucket") {
    e = Error{ErrorCode::kNotFound, "S3 bucket does not exist: " + Where() +
                                        " (NoSuchBucket): create the bucket or fix the bucket name"};
  } else if (code == "NoSuchKey" || (st == 404 && code == "NotFound")) {
    e = Error{ErrorCode::kNotFound, "key=" + call.object_key + " not found in " + Where() + " (" + code + ")"};
  } else if (code == "NoSuchUpload") {
    e = Error{ErrorCode::kNotFound, "multipart upload for key=" + call.object_key +
                                        " no longer exists in " + Where() + " (NoSuchUpload)"};
  } else if (code == "RequestTimeTooSkewed") {
    e = Error{ErrorCode::kPermissionDenied,
              "S3 rejected " + what + " in " + Where() +
                  " (RequestTimeTooSkewed): this machine's clock is off by more than 15 minutes; "
                  "fix the system time (NTP)"};
  } else if (st == 403) {
    e = Error{ErrorCode::kPermissionDenied,
              "S3 denied " + what + " in " + Where() + " (" + code +
                  "): the credentials are wrong or lack permission; check "
                  "access_key/AWS_ACCESS_KEY_ID, the secret key and the bucket or IAM policy"};
  } else if (st == 301 || st == 307 || code == "AuthorizationHeaderMalformed" ||
             code == "PermanentRedirect" || code == "IllegalLocationConstraintException") {
    std::string region = response.Header("x-amz-bucket-region");
    if (region.empty() && body) region = body->region;
    e = Error{ErrorCode::kInvalidArgument,
              "S3 refused " + what + " in " + Where() + " region=" + options_.region + " (" + code +
                  ")" + (region.empty() ? ": check the region and endpoint"
                                        : ": the bucket is in region " + region + "; set region: " + region)};
  } else if (st >= 500 || st == 429 || IsRetryableCode(code)) {
    e = Error{ErrorCode::kUnavailable, "S3 is failing or throttling " + what + " in " + Where() + " (" +
                                           std::to_string(st) + " " + code + ")" +
                                           (s3_message.empty() ? "" : ": " + s3_message)};
    e.retryable = true;
  } else {
    e = Error{ErrorCode::kInternal, "S3 answered " + std::to_string(st) + " " + code + " to " + what +
                                        " in " + Where() + (s3_message.empty() ? "" : ": " + s3_message)};
  }
  e.message = Redact(e.message);
  return e;
}

Status S3Store::Put(const std::string& key, const std::string& data) {
  KB_TRY(ValidateObjectKey(key));
  PendingWrite pending(outage(), data.size());
  const std::string object_key = ObjectKey(key);
  if (data.size() > options_.multipart_threshold) return PutMultipart(object_key, data);
  KB_TRY(Send(Call{"PUT", object_key, {}, {}, data}));
  return {};
}

Status S3Store::PutMultipart(const std::string& object_key, const std::string& data) {
  KB_ASSIGN_OR_RETURN(HttpResponse created, Send(Call{"POST", object_key, {{"uploads", ""}}, {}, {}}));
  KB_ASSIGN_OR_RETURN(std::string upload_id, ParseUploadId(created.body));
  auto fail_and_abort = [&](const Error& e) -> Status {
    // Best effort: a leftover upload only costs storage until a lifecycle rule removes it.
    (void)Send(Call{"DELETE", object_key, {{"uploadId", upload_id}}, {}, {}});
    return tl::unexpected(e.With("multipart upload of key=" + object_key + " aborted"));
  };

  uint64_t part_size = options_.part_size;
  if ((data.size() + part_size - 1) / part_size > kMaxParts)
    part_size = (data.size() + kMaxParts - 1) / kMaxParts;
  const size_t parts = (data.size() + part_size - 1) / part_size;
  std::vector<std::string> etags(parts);
  std::string_view all(data);
  // Parts go up several at a time: one request at a time leaves the server, and the link, idle
  // while each answer comes back. Each thread has its own connection (HttpClient).
  std::mutex mu;
  std::optional<Error> first_error;
  std::atomic<bool> failed{false};
  ParallelFor(parts, options_.upload_concurrency, [&](size_t i) {
    if (failed) return;  // one failed part fails the upload: the rest are not sent
    const std::string part_number = std::to_string(i + 1);
    // No check for a stop request here: a stopping backup flushes its buffers through Put,
    // and that write must finish.
    std::optional<Error> error;
    Result<HttpResponse> part = Send(Call{"PUT", object_key, {{"partNumber", part_number}, {"uploadId", upload_id}},
                                          {}, all.substr(i * part_size, part_size)});
    if (!part) error = part.error();
    else if (std::string etag = part->Header("etag"); etag.empty())
      error = Error{ErrorCode::kCorrupt, "S3 returned no ETag for part " + part_number};
    else etags[i] = std::move(etag);
    if (error) {
      std::lock_guard<std::mutex> lock(mu);
      if (!first_error) first_error = std::move(error);
      failed = true;
    }
  });
  if (first_error) return fail_and_abort(*first_error);

  const std::string complete_body = BuildCompleteMultipartUpload(etags);
  const Call complete{"POST", object_key, {{"uploadId", upload_id}}, {}, complete_body};
  int attempts = 0;
  Result<HttpResponse> done = Retry([&]() -> Result<HttpResponse> {
    ++attempts;
    Result<HttpResponse> r = SendOnce(complete);
    if (!r) return r;
    // CompleteMultipartUpload can fail after answering 200: the error is in the body.
    if (std::optional<S3ErrorBody> err = ParseErrorBody(r->body)) {
      HttpResponse failed = *r;
      failed.status = IsRetryableCode(err->code) ? 503 : 400;
      return tl::unexpected(MapError(complete, failed));
    }
    return r;
  });
  if (!done) {
    // A retried Complete whose first try succeeded unseen reports NoSuchUpload: check the object.
    if (attempts > 1 && done.error().code == ErrorCode::kNotFound) {
      Result<HttpResponse> head = Send(Call{"HEAD", object_key, {}, {}, {}});
      if (head && head->Header("content-length") == std::to_string(data.size())) return {};
    }
    return fail_and_abort(done.error());
  }
  return {};
}

Result<std::string> S3Store::Get(const std::string& key) {
  KB_TRY(ValidateObjectKey(key));
  KB_ASSIGN_OR_RETURN(HttpResponse resp, Send(Call{"GET", ObjectKey(key), {}, {}, {}}));
  CountRead(resp.body.size());
  return std::move(resp.body);
}

Result<std::string> S3Store::GetRange(const std::string& key, uint64_t offset, uint64_t length) {
  KB_TRY(ValidateObjectKey(key));
  if (length == 0) {
    KB_TRY(Size(key));  // still report a missing key
    return std::string();
  }
  std::string range = "bytes=" + std::to_string(offset) + "-";
  if (length <= std::numeric_limits<uint64_t>::max() - offset) range += std::to_string(offset + length - 1);
  KB_ASSIGN_OR_RETURN(HttpResponse resp,
                      Send(Call{"GET", ObjectKey(key), {}, {{"Range", range}}, {}, 416}));
  std::string out;
  if (resp.status == 416) {
    out.clear();  // the object exists but ends before `offset`
  } else if (resp.status == 206) {
    out = std::move(resp.body);
    if (out.size() > length) out.resize(length);
  } else if (offset < resp.body.size()) {
    out = resp.body.substr(offset, length);  // server ignored Range and sent the whole object
  }
  CountRead(out.size());
  return out;
}

Result<std::vector<ObjectInfo>> S3Store::List(const std::string& prefix, const ListOptions& options) {
  KB_TRY(ValidateListPrefix(prefix));
  const std::string root = options_.prefix.empty() ? "" : options_.prefix + "/";
  std::vector<ObjectInfo> out;
  std::string token;
  while (true) {
    size_t page_size = static_cast<size_t>(options_.list_page_size);
    if (options.max_keys) page_size = std::min(page_size, options.max_keys - out.size());
    HeaderList query{{"list-type", "2"}, {"prefix", root + prefix}, {"max-keys", std::to_string(page_size)}};
    if (options.directories) query.emplace_back("delimiter", "/");
    if (!token.empty()) query.emplace_back("continuation-token", token);
    else if (!options.start_after.empty()) query.emplace_back("start-after", root + options.start_after);
    KB_ASSIGN_OR_RETURN(HttpResponse resp, Send(Call{"GET", "", std::move(query), {}, {}}));
    Result<ListPage> page = ParseListObjectsV2(resp.body);
    if (!page) return tl::unexpected(page.error().With("listing prefix=" + root + prefix + " in " + Where()));
    for (ObjectInfo& info : page->objects) {
      if (info.key.compare(0, root.size(), root) != 0) continue;
      info.key.erase(0, root.size());
      out.push_back(std::move(info));
    }
    if (!page->truncated || (options.max_keys && out.size() >= options.max_keys)) break;
    if (page->next_continuation_token == token)
      return Fail(ErrorCode::kCorrupt, "S3 ListObjectsV2 repeated its continuation token for " + Where());
    token = page->next_continuation_token;
  }
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  if (options.max_keys && out.size() > options.max_keys) out.resize(options.max_keys);
  return out;
}

namespace {

// A version under Object Lock: its retention date, or a legal hold. nullopt when S3 may remove it.
std::optional<DeleteResult> Retention(const HttpResponse& head) {
  if (head.Header("x-amz-object-lock-legal-hold") == "ON") return DeleteResult{true, 0};
  const std::string until = head.Header("x-amz-object-lock-retain-until-date");
  if (until.empty()) return std::nullopt;
  auto ms = ParseTimestampMs(until);
  // A date we cannot read is kept: removing it would fail anyway if it still holds.
  if (!ms) return DeleteResult{true, 0};
  if (*ms <= NowMs()) return std::nullopt;
  return DeleteResult{true, *ms};
}

// More versions than any key of ours has (format-1 manifests are rewritten once per commit).
constexpr int kMaxVersionsRemoved = 100000;

}  // namespace

Result<DeleteResult> S3Store::Delete(const std::string& key) {
  KB_TRY(ValidateObjectKey(key));
  const std::string object = ObjectKey(key);
  // On a versioned bucket a plain DELETE only hides the object behind a delete marker. Remove the
  // current version by id until no version is left, checking each one's retention first.
  for (int removed = 0; removed < kMaxVersionsRemoved; ++removed) {
    auto head = Send(Call{"HEAD", object, {}, {}, {}});
    if (!head) {
      if (head.error().code == ErrorCode::kNotFound) return DeleteResult{};
      return Fail(head.error());
    }
    if (auto kept = Retention(*head)) return *kept;
    const std::string version = head->Header("x-amz-version-id");
    if (version.empty()) {  // not versioned: gone for good
      KB_TRY(Send(Call{"DELETE", object, {}, {}, {}}));
      return DeleteResult{};
    }
    KB_TRY(Send(Call{"DELETE", object, {{"versionId", version}}, {}, {}}));
  }
  return Fail(ErrorCode::kInternal, "S3 key=" + object + " in " + Where() + " still has versions after " +
                                        std::to_string(kMaxVersionsRemoved) + " were removed");
}

Result<uint64_t> S3Store::Size(const std::string& key) {
  KB_TRY(ValidateObjectKey(key));
  KB_ASSIGN_OR_RETURN(HttpResponse resp, Send(Call{"HEAD", ObjectKey(key), {}, {}, {}}));
  const std::string len = resp.Header("content-length");
  uint64_t size = 0;
  auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), size);
  if (len.empty() || ec != std::errc() || ptr != len.data() + len.size())
    return Fail(ErrorCode::kCorrupt, "S3 HEAD of key=" + ObjectKey(key) + " in " + Where() +
                                         " returned no valid Content-Length");
  return size;
}

}  // namespace kb::s3
