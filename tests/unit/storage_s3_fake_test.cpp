// S3Store against a scripted in-process HTTP server: request shape (signing, addressing, encoding)
// and the retry rules, which a healthy MinIO never exercises. Real-server behaviour is covered by
// tests/integration/storage_s3_test.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "core/stop.h"

#include "storage/s3/s3_store.h"
#include "storage/s3/sigv4.h"

namespace kb::s3 {
namespace {

// One parsed request, as the fake server saw it.
struct Seen {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // names lowercased

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  // Raw (still encoded) value of a query parameter, or "" when absent.
  std::string Param(const std::string& name) const {
    size_t q = target.find('?');
    if (q == std::string::npos) return "";
    std::string query = target.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      size_t eq = pair.find('=');
      if (pair.substr(0, eq) == name) return eq == std::string::npos ? "" : pair.substr(eq + 1);
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
    return "";
  }
  bool HasParam(const std::string& name) const {
    size_t q = target.find('?');
    if (q == std::string::npos) return false;
    std::string query = "&" + target.substr(q + 1) + "&";
    return query.find("&" + name + "=") != std::string::npos || query.find("&" + name + "&") != std::string::npos;
  }
};

struct Answer {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
};

Answer ErrorXml(int status, const std::string& code) {
  return Answer{status, {{"Content-Type", "application/xml"}},
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
                    "</Code><Message>scripted " + code + "</Message></Error>"};
}

// A tiny HTTP/1.1 server on 127.0.0.1 (one connection at a time, Connection: close) whose answers
// come from `reply`; every request is recorded. Enough to script S3 answers, nothing more.
class FakeS3 {
 public:
  using Reply = std::function<Answer(const Seen&, int index)>;
  explicit FakeS3(Reply reply) : reply_(std::move(reply)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeS3() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void Serve() {
    while (!stopping_) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      Handle(fd);
      ::close(fd);
    }
  }

  void Handle(int fd) {
    std::string data;
    char buf[65536];
    size_t header_end;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    Seen req;
    std::string head = data.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = end + 2;
    }
    size_t length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
    req.body = data.substr(header_end + 4);
    while (req.body.size() < length) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return;
      req.body.append(buf, static_cast<size_t>(n));
    }
    int index;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(req);
      index = static_cast<int>(seen_.size()) - 1;
    }
    Answer answer = reply_(req, index);
    std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " Scripted\r\n";
    for (const auto& [k, v] : answer.headers) out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(answer.body.size()) + "\r\nConnection: close\r\n\r\n";
    if (req.method != "HEAD") out += answer.body;
    size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  Reply reply_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

S3Options FakeOptions(const std::string& endpoint) {
  S3Options o;
  o.bucket = "kafka-backups";
  o.prefix = "pitr";
  o.region = "us-east-1";
  o.endpoint = endpoint;
  o.path_style = true;
  o.credentials = {"AKIAFAKE", "fake-secret-do-not-print", ""};
  o.retry.max_attempts = 4;
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  o.retry.max_backoff = std::chrono::milliseconds(5);
  return o;
}

std::unique_ptr<S3Store> Open(const S3Options& o) {
  auto store = S3Store::Open(o);
  EXPECT_TRUE(store) << store.error().ToString();
  return store ? std::move(*store) : nullptr;
}

TEST(S3StoreFake, PutIsSignedAndSentPathStyleWithEncodedKey) {
  FakeS3 server([](const Seen&, int) { return Answer{}; });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("topic=payments/seg 1+\xC3\xBC.kb", "payload"));
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].target, "/kafka-backups/pitr/topic%3Dpayments/seg%201%2B%C3%BC.kb");
  EXPECT_EQ(seen[0].Header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].body, "payload");
  EXPECT_EQ(seen[0].Header("content-length"), "7");
  EXPECT_EQ(seen[0].Header("x-amz-content-sha256"), Sha256Hex("payload"));
  const std::string auth = seen[0].Header("authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIAFAKE/", 0), 0u) << auth;
  EXPECT_NE(auth.find("/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
            std::string::npos) << auth;
  EXPECT_EQ(seen[0].Header("x-amz-date").size(), 16u);
}

TEST(S3StoreFake, VirtualHostAddressingPutsTheBucketInTheHostName) {
  FakeS3 server([](const Seen&, int) { return Answer{200, {}, "abc"}; });
  // curl resolves any *.localhost name to the loopback address without DNS.
  S3Options o = FakeOptions("http://localhost:" + std::to_string(server.port()));
  o.path_style = false;
  auto store = Open(o);
  ASSERT_TRUE(store);
  auto got = store->Get("a/b");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "abc");
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Header("host"), "kafka-backups.localhost:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].target, "/pitr/a/b");
}

TEST(S3StoreFake, SlowDownAndServerErrorsAreRetriedUntilSuccess) {
  FakeS3 server([](const Seen&, int index) {
    if (index == 0) return ErrorXml(503, "SlowDown");
    if (index == 1) return ErrorXml(500, "InternalError");
    return Answer{};
  });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto st = store->Put("k", "v");
  EXPECT_TRUE(st) << st.error().ToString();
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].body, "v");  // the body is sent again on each try
}

TEST(S3StoreFake, TooManyRequestsIsRetried) {
  FakeS3 server([](const Seen&, int index) {
    if (index == 0) return Answer{429, {}, ""};
    return Answer{200, {}, "data"};
  });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto got = store->Get("k");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "data");
  EXPECT_EQ(server.seen().size(), 2u);
}

TEST(S3StoreFake, PersistentServerErrorGivesUpAfterMaxAttemptsAsRetryableUnavailable) {
  FakeS3 server([](const Seen&, int) { return ErrorXml(503, "SlowDown"); });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto st = store->Put("k", "v");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(st.error().retryable);
  EXPECT_NE(st.error().message.find("SlowDown"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("bucket=kafka-backups"), std::string::npos) << st.error().message;
  EXPECT_EQ(server.seen().size(), 4u);
}

TEST(S3StoreFake, ClientErrorsAreNotRetried) {
  FakeS3 server([](const Seen&, int) { return ErrorXml(403, "AccessDenied"); });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto st = store->Put("k", "v");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(st.error().retryable);
  EXPECT_NE(st.error().message.find("AccessDenied"), std::string::npos) << st.error().message;
  EXPECT_EQ(server.seen().size(), 1u);
}

TEST(S3StoreFake, ErrorMessagesNeverContainTheSecretEvenWhenTheServerEchoesIt) {
  FakeS3 server([](const Seen&, int) {
    return Answer{400, {}, "<Error><Code>Weird</Code><Message>you sent fake-secret-do-not-print</Message></Error>"};
  });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto st = store->Put("k", "v");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message.find("fake-secret-do-not-print"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("<redacted>"), std::string::npos) << st.error().message;
}

TEST(S3StoreFake, ListFollowsContinuationTokensAndStripsThePrefix) {
  FakeS3 server([](const Seen& req, int) {
    if (!req.HasParam("continuation-token"))
      return Answer{200, {},
                    "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t/2+="
                    "</NextContinuationToken><Contents><Key>pitr/b</Key><Size>2</Size></Contents>"
                    "</ListBucketResult>"};
    return Answer{200, {},
                  "<ListBucketResult><IsTruncated>false</IsTruncated>"
                  "<Contents><Key>pitr/a</Key><Size>10</Size></Contents></ListBucketResult>"};
  });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto listed = store->List("");
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "a");
  EXPECT_EQ((*listed)[0].size, 10u);
  EXPECT_EQ((*listed)[1].key, "b");
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/kafka-backups?list-type=2&max-keys=1000&prefix=pitr%2F");
  EXPECT_EQ(seen[1].target,
            "/kafka-backups?continuation-token=t%2F2%2B%3D&list-type=2&max-keys=1000&prefix=pitr%2F");
}

TEST(S3StoreFake, HtmlInsteadOfListXmlIsCorrupt) {
  FakeS3 server([](const Seen&, int) { return Answer{200, {}, "<html><body>proxy login</body></html>"}; });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto listed = store->List("");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::kCorrupt);
}

TEST(S3StoreFake, FailedMultipartUploadIsAborted) {
  FakeS3 server([](const Seen& req, int) {
    if (req.method == "POST" && req.HasParam("uploads"))
      return Answer{200, {}, "<InitiateMultipartUploadResult><UploadId>up-1</UploadId></InitiateMultipartUploadResult>"};
    if (req.method == "PUT" && req.Param("partNumber") == "2") return ErrorXml(400, "EntityTooSmall");
    if (req.method == "PUT") return Answer{200, {{"ETag", "\"etag-" + req.Param("partNumber") + "\""}}, ""};
    return Answer{204, {}, ""};  // the abort
  });
  S3Options o = FakeOptions(server.endpoint());
  o.multipart_threshold = 1 << 20;
  auto store = Open(o);
  ASSERT_TRUE(store);
  auto st = store->Put("big", std::string(11u << 20, 'x'));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("aborted"), std::string::npos) << st.error().message;
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 4u);  // create, parts 1 and 2 (at once; 2 fails, not retried), abort
  EXPECT_EQ(seen[0].target, "/kafka-backups/pitr/big?uploads=");
  const Seen& part1 = seen[1].Param("partNumber") == "1" ? seen[1] : seen[2];
  EXPECT_EQ(part1.target, "/kafka-backups/pitr/big?partNumber=1&uploadId=up-1");
  EXPECT_EQ(part1.body.size(), 8u << 20);
  EXPECT_EQ(seen[3].method, "DELETE");
  EXPECT_EQ(seen[3].target, "/kafka-backups/pitr/big?uploadId=up-1");
}

TEST(S3StoreFake, MultipartCompleteSendsPartsInOrderAndRetriesAnErrorInsideA200) {
  std::atomic<int> completes{0};
  FakeS3 server([&](const Seen& req, int) {
    if (req.method == "POST" && req.HasParam("uploads"))
      return Answer{200, {}, "<InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>"};
    if (req.method == "PUT") return Answer{200, {{"ETag", "\"e" + req.Param("partNumber") + "\""}}, ""};
    // First Complete: 200 with an error body (S3 does this); the retry succeeds.
    if (completes++ == 0) return ErrorXml(200, "InternalError");
    return Answer{200, {}, "<CompleteMultipartUploadResult/>"};
  });
  S3Options o = FakeOptions(server.endpoint());
  o.multipart_threshold = 1 << 20;
  o.part_size = 5 << 20;
  auto store = Open(o);
  ASSERT_TRUE(store);
  auto st = store->Put("big", std::string((10u << 20) + 1, 'y'));
  ASSERT_TRUE(st) << st.error().ToString();
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 6u);  // create, 3 parts (sent at once, in any order), 2 completes
  for (size_t i = 1; i <= 3; ++i)
    EXPECT_EQ(seen[i].body.size(), seen[i].Param("partNumber") == "3" ? 1u : 5u << 20) << seen[i].target;
  EXPECT_EQ(seen[5].body,
            "<?xml version=\"1.0\"?><CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag></Part>"
            "<Part><PartNumber>3</PartNumber><ETag>\"e3\"</ETag></Part></CompleteMultipartUpload>");
}

TEST(S3StoreFake, RangeGetAsksForTheInclusiveByteRange) {
  FakeS3 server([](const Seen&, int) { return Answer{206, {}, "3456"}; });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto got = store->GetRange("k", 3, 4);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "3456");
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Header("range"), "bytes=3-6");
}

TEST(S3StoreFake, HeadGivesSizeFromContentLength) {
  FakeS3 server([](const Seen&, int) { return Answer{200, {}, std::string(4321, 'z')}; });
  auto store = Open(FakeOptions(server.endpoint()));
  ASSERT_TRUE(store);
  auto size = store->Size("k");
  ASSERT_TRUE(size) << size.error().ToString();
  EXPECT_EQ(*size, 4321u);
  EXPECT_EQ(server.seen()[0].method, "HEAD");
}

// Options as a config file gives them: retries ride out an outage up to storage.retry_deadline_ms.
S3Options ConfiguredOptions(const std::string& endpoint, int64_t retry_deadline_ms) {
  StorageConfig c;
  c.backend = StorageBackendKind::kS3;
  c.bucket = "kafka-backups";
  c.prefix = "pitr";
  c.endpoint = endpoint;
  c.access_key = "AKIAFAKE";
  c.secret_key = "fake-secret-do-not-print";
  c.retry_deadline_ms = retry_deadline_ms;
  auto o = ResolveS3Options(c);
  EXPECT_TRUE(o) << o.error().ToString();
  return *o;
}

TEST(S3StoreFake, AnOutageIsRiddenOutAndShownWhileItLasts) {
  const auto healthy_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  FakeS3 server([&](const Seen&, int) {
    return std::chrono::steady_clock::now() < healthy_at ? ErrorXml(503, "ServiceUnavailable") : Answer{};
  });
  auto store = Open(ConfiguredOptions(server.endpoint(), 20000));
  ASSERT_TRUE(store);
  Status st;
  std::thread writer([&] { st = store->Put("k", std::string(1000, 'x')); });
  OutageState during;
  for (int i = 0; i < 100 && !during.retrying; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    during = store->outage().State();
  }
  writer.join();
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_TRUE(during.retrying);
  EXPECT_GT(during.since_ms, 0);
  EXPECT_EQ(during.pending_writes, 1u);
  EXPECT_EQ(during.pending_bytes, 1000u);
  EXPECT_NE(during.last_error.find("ServiceUnavailable"), std::string::npos) << during.last_error;
  OutageState after = store->outage().State();
  EXPECT_FALSE(after.retrying);
  EXPECT_EQ(after.pending_writes, 0u);
  EXPECT_GE(after.retries_total, 2u) << "more than the old 5 tries in 1.5 s were needed";
  EXPECT_GT(server.seen().size(), 2u);
}

TEST(S3StoreFake, AnOutageLongerThanTheDeadlineFailsNamingTheSetting) {
  FakeS3 server([](const Seen&, int) { return ErrorXml(503, "ServiceUnavailable"); });
  auto store = Open(ConfiguredOptions(server.endpoint(), 1500));
  ASSERT_TRUE(store);
  const auto start = std::chrono::steady_clock::now();
  auto st = store->Put("k", "v");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(st);
  EXPECT_NEAR(seconds, 1.5, 0.5);
  EXPECT_NE(st.error().message.find("storage.retry_deadline_ms"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("still failing after"), std::string::npos) << st.error().message;
  EXPECT_FALSE(store->outage().State().retrying);
}

// After SIGTERM a final flush keeps retrying within the stop grace, so its data is still stored.
TEST(S3StoreFake, WritesKeepRetryingAfterAStopWithinTheGrace) {
  const auto healthy_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
  FakeS3 server([&](const Seen&, int) {
    return std::chrono::steady_clock::now() < healthy_at ? ErrorXml(503, "ServiceUnavailable") : Answer{};
  });
  auto store = Open(ConfiguredOptions(server.endpoint(), 20000));
  ASSERT_TRUE(store);
  RequestStop();
  auto st = store->Put("k", "v");
  ResetStopForTests();
  EXPECT_TRUE(st) << st.error().ToString();
}

TEST(S3StoreFake, ARetryDeadlineUnderASecondIsRefused) {
  StorageConfig c;
  c.backend = StorageBackendKind::kS3;
  c.bucket = "b";
  c.access_key = "a";
  c.secret_key = "s";
  c.retry_deadline_ms = 10;
  auto o = ResolveS3Options(c);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("storage.retry_deadline_ms"), std::string::npos);
}

}  // namespace
}  // namespace kb::s3
