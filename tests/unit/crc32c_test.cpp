// CRC32C: known vectors, and the hardware path agreeing with the table-driven one on every
// length and alignment.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "core/crc32c.h"

namespace kb {
namespace {

TEST(Crc32c, KnownVectors) {
  // "123456789" is the standard check value; the 32-byte vectors are from RFC 3720, B.4.
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32cPortable(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32c, ExtendingInPiecesEqualsOneCall) {
  std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  uint32_t whole = Crc32c(s);
  for (size_t cut = 0; cut <= s.size(); ++cut)
    EXPECT_EQ(Crc32c(Crc32c(0, s.data(), cut), s.data() + cut, s.size() - cut), whole) << cut;
}

TEST(Crc32c, HardwareAgreesWithPortableOnEveryLengthAndAlignment) {
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "this CPU has no SSE4.2: only the portable path runs";
  std::mt19937 rng(7);
  std::string buf(4096 + 16, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 16; ++offset)
    for (size_t len : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 1000, 4096})
      EXPECT_EQ(Crc32cHardware(0x1234u, buf.data() + offset, len), Crc32cPortable(0x1234u, buf.data() + offset, len))
          << "offset " << offset << " length " << len;
}

}  // namespace
}  // namespace kb
