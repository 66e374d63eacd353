#include "storage/s3/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <mutex>

#include "core/stop.h"

namespace kb::s3 {
namespace {

std::atomic<uint64_t> connections_opened{0};

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread, reset before each request; reset keeps its connection cache.
class ThreadHandle {
 public:
  ThreadHandle() : handle_(curl_easy_init()) {}
  ~ThreadHandle() {
    if (handle_) curl_easy_cleanup(handle_);
  }
  ThreadHandle(const ThreadHandle&) = delete;
  ThreadHandle& operator=(const ThreadHandle&) = delete;
  CURL* get() const { return handle_; }

 private:
  CURL* handle_;
};

struct UploadSource {
  std::string_view data;
  size_t pos = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* src = static_cast<UploadSource*>(userdata);
  size_t n = std::min(size * nitems, src->data.size() - src->pos);
  std::memcpy(buffer, src->data.data() + src->pos, n);
  src->pos += n;
  return n;
}

// Lets curl rewind the body when it must resend it (e.g. after a redirect or auth retry).
int SeekBody(void* userdata, curl_off_t offset, int origin) {
  auto* src = static_cast<UploadSource*>(userdata);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > src->data.size())
    return CURL_SEEKFUNC_CANTSEEK;
  src->pos = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  static_cast<HttpResponse*>(userdata)->body.append(ptr, size * nmemb);
  return size * nmemb;
}

size_t WriteHeader(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* resp = static_cast<HttpResponse*>(userdata);
  std::string_view line(buffer, size * nitems);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    resp->headers.clear();  // a new response (after "100 Continue") starts over
    return size * nitems;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * nitems;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  resp->headers[name] = std::string(value);
  return size * nitems;
}

bool RetryHelps(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
      return false;
    default:
      return true;
  }
}

// Ends a transfer that is still running kStopTransferGrace after the stop grace (core/stop.h):
// the command's promise to end promptly after SIGTERM outranks one slow request. curl calls this
// about once a second even while nothing moves, connecting included.
int AbortAfterStopGrace(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  if (!StopRequested()) return 0;
  return std::chrono::steady_clock::now() > StopGraceDeadline() + kStopTransferGrace ? 1 : 0;
}

struct SlistGuard {
  curl_slist* list = nullptr;
  ~SlistGuard() { curl_slist_free_all(list); }
};

}  // namespace

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

uint64_t HttpClient::ConnectionsOpened() { return connections_opened.load(); }

HttpClient::HttpClient(HttpOptions options) : options_(options) { GlobalInitOnce(); }

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) const {
  thread_local ThreadHandle thread_handle;
  CURL* curl = thread_handle.get();
  if (!curl) return Fail(ErrorCode::kInternal, "curl_easy_init failed (out of memory?)");
  curl_easy_reset(curl);

  HttpResponse response;
  UploadSource upload{request.body, 0};
  char errbuf[CURL_ERROR_SIZE] = {0};
  SlistGuard headers;
  for (const auto& [name, value] : request.headers)
    headers.list = curl_slist_append(headers.list, (name + ": " + value).c_str());
  // No "Expect: 100-continue" round trip, and no default Content-Type on bodies.
  headers.list = curl_slist_append(headers.list, "Expect:");
  headers.list = curl_slist_append(headers.list, "Content-Type:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortAfterStopGrace);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT" || request.method == "POST") {
    // Upload mode sends exactly our bytes with a Content-Length, also for an empty body.
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, SeekBody);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method == "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "POST");
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);

  CURLcode rc = curl_easy_perform(curl);
  long opened = 0;
  if (curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK && opened > 0)
    connections_opened += static_cast<uint64_t>(opened);
  // The handle must not keep pointers into this frame.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    return Fail(ErrorCode::kCancelled, "HTTP " + request.method + " " + request.url +
                                           " aborted: still running " + std::to_string(kStopTransferGrace.count()) +
                                           " s after the stop grace ended");
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    return Fail(ErrorCode::kUnavailable,
                "HTTP " + request.method + " " + request.url + " failed: " + detail + " (curl error " +
                    std::to_string(static_cast<int>(rc)) + ")",
                RetryHelps(rc));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace kb::s3
