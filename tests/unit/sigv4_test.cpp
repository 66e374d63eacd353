// SigV4 signer checked against the worked examples in the AWS S3 documentation
// ("Signature Calculations for the Authorization Header", sig-v4-header-based-auth), which all use
// AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, us-east-1, 20130524T000000Z.
#include "storage/s3/sigv4.h"

#include <gtest/gtest.h>

namespace kb::s3 {
namespace {

const SigV4Credentials kDocCredentials{"AKIAIOSFODNN7EXAMPLE",
                                       "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::chrono::system_clock::time_point DocTime() {
  // 2013-05-24T00:00:00Z
  return std::chrono::system_clock::time_point(std::chrono::seconds(1369353600));
}

SigV4Result SignDoc(const SigV4Request& r) {
  return SignV4(r, "us-east-1", "s3", kDocCredentials, DocTime());
}

TEST(SigV4, GetObjectWithRangeMatchesAwsExample) {
  SigV4Request r{"GET", "/test.txt", {},
                 {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                 kEmptySha256};
  SigV4Result s = SignDoc(r);
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.amz_date, "20130524T000000Z");
}

TEST(SigV4, PutObjectEncodesDollarInPathAndMatchesAwsExample) {
  const std::string body = "Welcome to Amazon S3.";
  ASSERT_EQ(Sha256Hex(body), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigV4Request r{"PUT", "/test$file.text", {},
                 {{"Host", "examplebucket.s3.amazonaws.com"},
                  {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                  {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                 Sha256Hex(body)};
  SigV4Result s = SignDoc(r);
  EXPECT_NE(s.canonical_request.find("\n/test%24file.text\n"), std::string::npos);
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, QueryFlagWithoutValueMatchesAwsLifecycleExample) {
  SigV4Request r{"GET", "/", {{"lifecycle", ""}}, {{"Host", "examplebucket.s3.amazonaws.com"}},
                 kEmptySha256};
  SigV4Result s = SignDoc(r);
  EXPECT_NE(s.canonical_request.find("GET\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, QueryParametersAreSortedAndMatchAwsListObjectsExample) {
  // Given out of order on purpose: the canonical query must sort them.
  SigV4Request r{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}},
                 {{"Host", "examplebucket.s3.amazonaws.com"}}, kEmptySha256};
  SigV4Result s = SignDoc(r);
  EXPECT_NE(s.canonical_request.find("GET\n/\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, HeadersToAddCarryDateHashAndAuthorization) {
  SigV4Request r{"GET", "/test.txt", {}, {{"host", "h"}}, kEmptySha256};
  SigV4Result s = SignDoc(r);
  HeaderList expected{{"x-amz-date", "20130524T000000Z"},
                      {"x-amz-content-sha256", kEmptySha256},
                      {"Authorization", s.authorization}};
  EXPECT_EQ(s.headers_to_add, expected);
}

TEST(SigV4, SessionTokenIsSignedAndSent) {
  SigV4Credentials creds = kDocCredentials;
  creds.session_token = "FQoGZXIvYXdzEXAMPLETOKEN";
  SigV4Request r{"GET", "/test.txt", {}, {{"host", "h"}}, kEmptySha256};
  SigV4Result s = SignV4(r, "us-east-1", "s3", creds, DocTime());
  EXPECT_NE(s.authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
            std::string::npos);
  EXPECT_NE(s.canonical_request.find("x-amz-security-token:FQoGZXIvYXdzEXAMPLETOKEN\n"), std::string::npos);
  bool sent = false;
  for (const auto& [k, v] : s.headers_to_add) sent |= (k == "x-amz-security-token" && v == creds.session_token);
  EXPECT_TRUE(sent);
  // Different token, different signature.
  EXPECT_NE(s.authorization, SignDoc(r).authorization);
}

TEST(SigV4, SecretNeverAppearsInOutputs) {
  SigV4Request r{"GET", "/test.txt", {}, {{"host", "h"}}, kEmptySha256};
  SigV4Result s = SignDoc(r);
  for (const std::string& text : {s.authorization, s.canonical_request, s.string_to_sign}) {
    EXPECT_EQ(text.find(kDocCredentials.secret_key), std::string::npos) << text;
  }
}

TEST(SigV4, HeaderValuesAreTrimmedAndSpacesCollapsed) {
  SigV4Request r{"GET", "/x", {}, {{"Host", "h"}, {"X-Amz-Meta-Note", "  a   b  c "}}, kEmptySha256};
  SigV4Result s = SignDoc(r);
  EXPECT_NE(s.canonical_request.find("\nx-amz-meta-note:a b c\n"), std::string::npos)
      << s.canonical_request;
}

TEST(SigV4, PathSegmentsAreEncodedOnceKeepingSlashes) {
  EXPECT_EQ(EncodePath("/bucket/dir with space/naïve+x=y&z"),
            "/bucket/dir%20with%20space/na%C3%AFve%2Bx%3Dy%26z");
  EXPECT_EQ(EncodePath("/a/%41"), "/a/%2541");  // a literal '%' is data, not an escape
  EXPECT_EQ(EncodePath(""), "/");
  EXPECT_EQ(EncodePath("k"), "/k");
  EXPECT_EQ(EncodePath("/-._~AZaz09"), "/-._~AZaz09");
}

TEST(SigV4, QueryValuesEncodeSlashAndSpace) {
  EXPECT_EQ(EncodeQuery({{"prefix", "a b/c"}, {"list-type", "2"}, {"continuation-token", "x+y="}}),
            "continuation-token=x%2By%3D&list-type=2&prefix=a%20b%2Fc");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(UriEncode("a/b", false), "a/b");
}

TEST(SigV4, SigningKeyDerivationMatchesHmacOfKnownInputs) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  const std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(mac.size(), 32u);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : mac) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 0xf]);
  }
  EXPECT_EQ(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigV4, AmzDateIsUtcBasicFormat) {
  EXPECT_EQ(FormatAmzDate(DocTime() + std::chrono::hours(13) + std::chrono::minutes(5) +
                          std::chrono::seconds(9)),
            "20130524T130509Z");
}

}  // namespace
}  // namespace kb::s3
