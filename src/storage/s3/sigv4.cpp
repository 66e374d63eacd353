#include "storage/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

namespace kb::s3 {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

std::string ToHex(const unsigned char* data, size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xf]);
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Canonical header value: leading/trailing spaces trimmed, inner runs of spaces collapsed to one.
std::string TrimValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view text, bool encode_slash) {
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 0xf]);
    }
  }
  return out;
}

std::string EncodePath(std::string_view path) {
  if (path.empty()) return "/";
  std::string out = UriEncode(path, false);
  if (out.front() != '/') out.insert(out.begin(), '/');
  return out;
}

std::string EncodeQuery(const HeaderList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [k, v] : query) encoded.emplace_back(UriEncode(k, true), UriEncode(v, true));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return ToHex(md, len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string FormatAmzDate(std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

SigV4Result SignV4(const SigV4Request& request, const std::string& region,
                   const std::string& service, const SigV4Credentials& credentials,
                   std::chrono::system_clock::time_point now) {
  SigV4Result result;
  result.amz_date = FormatAmzDate(now);
  const std::string date = result.amz_date.substr(0, 8);

  // Canonical headers: lowercase names, sorted; the x-amz-* headers we own replace any given ones.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string lname = Lower(name);
    std::string v = TrimValue(value);
    auto [it, inserted] = headers.emplace(lname, v);
    if (!inserted) it->second += "," + v;  // repeated header: values joined in order
  }
  headers["x-amz-date"] = result.amz_date;
  headers["x-amz-content-sha256"] = request.payload_sha256;
  if (!credentials.session_token.empty()) headers["x-amz-security-token"] = credentials.session_token;

  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += name;
  }

  result.canonical_request = request.method + "\n" + EncodePath(request.path) + "\n" +
                             EncodeQuery(request.query) + "\n" + canonical_headers + "\n" +
                             signed_headers + "\n" + request.payload_sha256;

  const std::string scope = date + "/" + region + "/" + service + "/aws4_request";
  result.string_to_sign = "AWS4-HMAC-SHA256\n" + result.amz_date + "\n" + scope + "\n" +
                          Sha256Hex(result.canonical_request);

  std::string key = HmacSha256("AWS4" + credentials.secret_key, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  const std::string raw = HmacSha256(key, result.string_to_sign);
  const std::string signature =
      ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());

  result.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope +
                         ",SignedHeaders=" + signed_headers + ",Signature=" + signature;
  result.headers_to_add.emplace_back("x-amz-date", result.amz_date);
  result.headers_to_add.emplace_back("x-amz-content-sha256", request.payload_sha256);
  if (!credentials.session_token.empty())
    result.headers_to_add.emplace_back("x-amz-security-token", credentials.session_token);
  result.headers_to_add.emplace_back("Authorization", result.authorization);
  return result;
}

}  // namespace kb::s3
