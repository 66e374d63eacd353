// HttpClient: a minimal blocking HTTP/1.1 client over libcurl, just enough for S3.
//
// Contract:
// - Thread safe: each thread uses its own curl handle (kept per thread, so connections are reused
//   between requests of that thread). curl_global_init runs once per process.
// - Send returns any HTTP status as a response; only transport failures (cannot connect, reset,
//   timeout, TLS) are errors: kUnavailable, retryable unless retrying cannot help (bad URL, TLS
//   certificate rejected).
// - HTTPS verifies the server with the system CA store (curl's default).
// - Request headers may carry credentials, so neither this class nor its errors print them.
// - After SIGINT/SIGTERM a transfer still running kStopTransferGrace past the stop grace is
//   aborted (kCancelled, not retryable), so a stopping command never hangs on storage.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/error.h"
#include "storage/s3/sigv4.h"

namespace kb::s3 {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string url;     // already encoded
  HeaderList headers;
  std::string_view body;  // must outlive Send
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  // Value of a header (name lowercase), or "".
  std::string Header(const std::string& lower_name) const;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{10000};
  // A transfer slower than 1 byte/s for this long is abandoned (a hung server), retryable.
  std::chrono::seconds stall_timeout{60};
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  Result<HttpResponse> Send(const HttpRequest& request) const;
  // Connections opened by every client of the process so far (a request on a kept connection
  // opens none): what shows whether connections are reused.
  static uint64_t ConnectionsOpened();

 private:
  HttpOptions options_;
};

}  // namespace kb::s3
