// Little-endian fixed-width integers and varints for the segment format (docs/FORMAT.md).
// Writers append to a std::string (no per-value allocation); ByteReader walks a byte range and
// never reads past its end: every getter returns false instead, so garbage input cannot crash.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace kb::format {

inline void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

inline void PutFixed(std::string& out, uint64_t v, size_t width) {
  char buf[8];
  for (size_t i = 0; i < width; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(buf, width);
}
inline void PutU16(std::string& out, uint16_t v) { PutFixed(out, v, 2); }
inline void PutU32(std::string& out, uint32_t v) { PutFixed(out, v, 4); }
inline void PutU64(std::string& out, uint64_t v) { PutFixed(out, v, 8); }
inline void PutI64(std::string& out, int64_t v) { PutFixed(out, static_cast<uint64_t>(v), 8); }

// Overwrites 4 bytes at `pos` (used to fill a header once the payload is known).
inline void StoreU32At(std::string& out, size_t pos, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) out[pos + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

inline uint64_t LoadFixed(const char* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// Unsigned LEB128: 7 bits per byte, low group first, high bit set on all but the last byte.
inline void PutVarint(std::string& out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}
inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
inline void PutSignedVarint(std::string& out, int64_t v) { PutVarint(out, ZigZag(v)); }

class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool done() const { return pos_ == data_.size(); }

  bool Fixed(size_t width, uint64_t* v) {
    if (remaining() < width) return false;
    *v = LoadFixed(data_.data() + pos_, width);
    pos_ += width;
    return true;
  }
  bool U8(uint8_t* v) {
    uint64_t x;
    if (!Fixed(1, &x)) return false;
    *v = static_cast<uint8_t>(x);
    return true;
  }
  bool U16(uint16_t* v) {
    uint64_t x;
    if (!Fixed(2, &x)) return false;
    *v = static_cast<uint16_t>(x);
    return true;
  }
  bool U32(uint32_t* v) {
    uint64_t x;
    if (!Fixed(4, &x)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool U64(uint64_t* v) { return Fixed(8, v); }
  bool I64(int64_t* v) {
    uint64_t x;
    if (!Fixed(8, &x)) return false;
    *v = static_cast<int64_t>(x);
    return true;
  }

  // Rejects encodings longer than 10 bytes and a 10th byte carrying bits beyond 64.
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) return false;
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && byte > 1) return false;
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool SignedVarint(int64_t* v) {
    uint64_t x;
    if (!Varint(&x)) return false;
    *v = UnZigZag(x);
    return true;
  }

  bool Bytes(size_t n, std::string_view* out) {
    if (remaining() < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Magic(std::string_view expected) {
    std::string_view got;
    return Bytes(expected.size(), &got) && got == expected;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace kb::format
