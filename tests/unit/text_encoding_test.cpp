// UTF-8 validation (RFC 3629 edge cases) and base64 (RFC 4648 test vectors).
#include <gtest/gtest.h>

#include <string>

#include "core/text_encoding.h"

namespace kb {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii {\"amount\": 5}"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));                  // U+0080, smallest two-byte
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC"));  // café €
  EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));              // U+0800, smallest three-byte
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));              // U+D7FF, just below the surrogates
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));              // U+E000, just above them
  EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));          // U+10000, smallest four-byte
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF, the largest code point
}

TEST(Utf8, RejectsMalformedBytes) {
  EXPECT_FALSE(IsValidUtf8("\x80"));                  // continuation without a lead
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));              // overlong
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));          // overlong three-byte
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));      // overlong four-byte
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));          // U+D800, a surrogate
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));          // U+DFFF, a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));      // U+110000, beyond Unicode
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));      // lead byte F5
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("ok \xC3"));               // truncated at the end
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));              // truncated three-byte
  EXPECT_FALSE(IsValidUtf8("\xE2\x28\xA1"));          // bad continuation
  EXPECT_FALSE(IsValidUtf8("\xF0\x90\x80\x41"));      // bad last continuation
}

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, UsesEveryAlphabetCharacterForHighBytes) {
  EXPECT_EQ(Base64Encode(std::string("\x00\x00\x00", 3)), "AAAA");
  EXPECT_EQ(Base64Encode("\xFF\xFF\xFF"), "////");
  EXPECT_EQ(Base64Encode("\xFB\xEF\xBE"), "++++");
  EXPECT_EQ(Base64Encode("\xFF"), "/w==");
  EXPECT_EQ(Base64Encode("\xFF\xFE"), "//4=");
}

}  // namespace
}  // namespace kb
