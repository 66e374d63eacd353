// AWS Signature Version 4 for S3 requests (header-based auth), as a pure function.
//
// Contract: SignV4 turns a request description plus credentials and a time into the headers the
// request must carry (x-amz-date, x-amz-content-sha256, x-amz-security-token when a session token
// is set, and Authorization). It does no I/O and reads no clock: the caller passes `now`.
// The path is given decoded ("/bucket/my file.txt"); SignV4 encodes each segment once, the way
// S3 expects (S3 does not normalise or double-encode paths). The caller must send the request to
// EncodePath(path) and EncodeQuery(query), which are exactly the encodings that were signed.
// Outputs never include the secret key; the Authorization header holds only a derived HMAC.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kb::s3 {

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // temporary credentials only; else empty
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // decoded absolute path, e.g. "/examplebucket/dir/a b.txt"
  HeaderList query;    // decoded query parameters; a flag like "uploads" has an empty value
  HeaderList headers;  // headers to sign; must include "host". Names in any case.
  std::string payload_sha256;  // lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigV4Result {
  std::string amz_date;           // "20130524T000000Z"
  std::string authorization;      // "AWS4-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=..."
  std::string canonical_request;  // what was signed, for tests and debugging (no secret inside)
  std::string string_to_sign;
  // Headers to add to the request: x-amz-date, x-amz-content-sha256, x-amz-security-token (when
  // a session token is set) and Authorization. Never log the Authorization value.
  HeaderList headers_to_add;
};

SigV4Result SignV4(const SigV4Request& request, const std::string& region,
                   const std::string& service, const SigV4Credentials& credentials,
                   std::chrono::system_clock::time_point now);

// RFC 3986 percent-encoding as S3 wants it: unreserved A-Z a-z 0-9 - . _ ~ kept, every other byte
// %XX (uppercase hex); '/' kept unless encode_slash.
std::string UriEncode(std::string_view text, bool encode_slash);
// The encoded path S3 signs and receives: "/" when empty, else each segment encoded.
std::string EncodePath(std::string_view path);
// "a=1&b=x%2Fy": keys and values encoded, sorted by key then value (the canonical form, also
// a valid query string to send).
std::string EncodeQuery(const HeaderList& query);

std::string Sha256Hex(std::string_view data);
// Raw (binary) HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
// "20130524T000000Z"
std::string FormatAmzDate(std::chrono::system_clock::time_point now);

}  // namespace kb::s3
