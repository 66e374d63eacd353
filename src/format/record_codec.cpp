#include "format/record_codec.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "format/byte_io.h"
#include "format/segment_layout.h"

namespace kb::format {
namespace {

// Smallest possible record: offset delta, timestamp delta, type, key, value, header count.
constexpr size_t kMinRecordBytes = 6;

void PutNullableBytes(std::string& out, const std::optional<std::string>& s) {
  if (!s) {
    PutSignedVarint(out, -1);
    return;
  }
  PutSignedVarint(out, static_cast<int64_t>(s->size()));
  out.append(*s);
}

uint64_t NullableSize(const std::optional<std::string>& s) {
  return s ? VarintSize(ZigZag(static_cast<int64_t>(s->size()))) + s->size() : 1;
}

Status TooLarge(const Record& r, const std::string& what, uint64_t size) {
  return Fail(ErrorCode::kInvalidArgument,
              "record at offset " + std::to_string(r.offset) + ": " + what + " of " + std::to_string(size) +
                  " exceeds the segment format limit of " + std::to_string(kMaxFieldBytes));
}

}  // namespace

Status ValidateRecord(const Record& r) {
  if (r.offset < 0)
    return Fail(ErrorCode::kInvalidArgument, "record offset " + std::to_string(r.offset) + " is negative");
  const auto type = static_cast<int>(r.timestamp_type);
  if (type < 0 || type > 2)
    return Fail(ErrorCode::kInvalidArgument, "record at offset " + std::to_string(r.offset) +
                                                 ": unknown timestamp type " + std::to_string(type));
  if (r.key && r.key->size() > kMaxFieldBytes) return TooLarge(r, "key length", r.key->size());
  if (r.value && r.value->size() > kMaxFieldBytes) return TooLarge(r, "value length", r.value->size());
  if (r.headers.size() > kMaxFieldBytes) return TooLarge(r, "header count", r.headers.size());
  for (const auto& h : r.headers) {
    if (h.key.size() > kMaxFieldBytes) return TooLarge(r, "header key length", h.key.size());
    if (h.value && h.value->size() > kMaxFieldBytes) return TooLarge(r, "header value length", h.value->size());
  }
  return {};
}

uint64_t MaxEncodedSize(const Record& r) {
  uint64_t n = 10 + 10 + 1;  // both deltas at their widest, timestamp type
  n += NullableSize(r.key) + NullableSize(r.value) + VarintSize(r.headers.size());
  for (const auto& h : r.headers)
    n += VarintSize(ZigZag(static_cast<int64_t>(h.key.size()))) + h.key.size() + NullableSize(h.value);
  return n;
}

void EncodeRecord(const Record& r, int64_t prev_offset, int64_t prev_timestamp, std::string* out) {
  std::string& o = *out;
  PutVarint(o, static_cast<uint64_t>(r.offset) - static_cast<uint64_t>(prev_offset));
  // Two's-complement difference: exact for any pair of int64 timestamps (wraps, then unwraps).
  PutSignedVarint(o, static_cast<int64_t>(static_cast<uint64_t>(r.timestamp) -
                                          static_cast<uint64_t>(prev_timestamp)));
  PutU8(o, static_cast<uint8_t>(r.timestamp_type));
  PutNullableBytes(o, r.key);
  PutNullableBytes(o, r.value);
  PutVarint(o, r.headers.size());
  for (const auto& h : r.headers) {
    PutSignedVarint(o, static_cast<int64_t>(h.key.size()));
    o.append(h.key);
    PutNullableBytes(o, h.value);
  }
}

namespace {

class RecordDecoder {
 public:
  explicit RecordDecoder(std::string_view raw) : in_(raw) {}

  Status Fail(uint32_t index, const std::string& what) const {
    return kb::Fail(ErrorCode::kCorrupt, "record " + std::to_string(index) + " (byte " +
                                             std::to_string(in_.position()) + " of the raw block): " + what);
  }

  // A length-prefixed field; -1 is null only where `nullable`. A present field is assigned into
  // *out's string, so a reused record keeps its buffer.
  bool Field(bool nullable, std::optional<std::string>* out, std::string* error) {
    std::string_view bytes;
    bool present = true;
    if (!Bytes(nullable, &bytes, &present, error)) return false;
    if (!present) out->reset();
    else if (*out) (*out)->assign(bytes);
    else out->emplace(bytes);
    return true;
  }

  bool Field(std::string* out, std::string* error) {
    std::string_view bytes;
    bool present = true;
    if (!Bytes(false, &bytes, &present, error)) return false;
    out->assign(bytes);
    return true;
  }

  ByteReader in_;

 private:
  bool Bytes(bool nullable, std::string_view* bytes, bool* present, std::string* error) {
    int64_t len;
    if (!in_.SignedVarint(&len)) {
      *error = "truncated or malformed length";
      return false;
    }
    if (len == -1 && nullable) {
      *present = false;
      return true;
    }
    if (len < 0 || static_cast<uint64_t>(len) > kMaxFieldBytes) {
      *error = "invalid length " + std::to_string(len);
      return false;
    }
    if (!in_.Bytes(static_cast<size_t>(len), bytes)) {
      *error = "length " + std::to_string(len) + " runs past the end of the block";
      return false;
    }
    return true;
  }
};

}  // namespace

Status DecodeRecords(std::string_view raw, uint32_t count, int64_t base_offset, int64_t base_timestamp,
                     std::vector<Record>* out) {
  if (base_offset < 0)
    return Fail(ErrorCode::kCorrupt, "negative base offset " + std::to_string(base_offset));
  RecordDecoder d(raw);
  // Records already in *out are decoded over (their strings keep their buffers). New ones are
  // made one at a time, each after the last was decoded, so a false count allocates nothing.
  const size_t reused = out->size();
  out->reserve(std::min<size_t>(count, raw.size() / kMinRecordBytes));
  int64_t prev_offset = base_offset;
  int64_t prev_timestamp = base_timestamp;
  std::string error;
  for (uint32_t i = 0; i < count; ++i) {
    if (i >= reused) out->emplace_back();
    Record& r = (*out)[i];
    uint64_t offset_delta;
    if (!d.in_.Varint(&offset_delta)) return d.Fail(i, "truncated or malformed offset delta");
    if (i == 0 && offset_delta != 0) return d.Fail(i, "first record's offset delta must be 0");
    if (i > 0 && offset_delta == 0) return d.Fail(i, "offset does not increase");
    if (offset_delta > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - prev_offset))
      return d.Fail(i, "offset overflows");
    r.offset = prev_offset + static_cast<int64_t>(offset_delta);

    int64_t ts_delta;
    if (!d.in_.SignedVarint(&ts_delta)) return d.Fail(i, "truncated or malformed timestamp delta");
    r.timestamp = static_cast<int64_t>(static_cast<uint64_t>(prev_timestamp) + static_cast<uint64_t>(ts_delta));
    if (i == 0 && ts_delta != 0) return d.Fail(i, "first record's timestamp delta must be 0");

    uint8_t type;
    if (!d.in_.U8(&type)) return d.Fail(i, "truncated timestamp type");
    if (type > 2) return d.Fail(i, "unknown timestamp type " + std::to_string(type));
    r.timestamp_type = static_cast<TimestampType>(type);

    if (!d.Field(true, &r.key, &error)) return d.Fail(i, "key: " + error);
    if (!d.Field(true, &r.value, &error)) return d.Fail(i, "value: " + error);

    uint64_t header_count;
    if (!d.in_.Varint(&header_count)) return d.Fail(i, "truncated or malformed header count");
    // Each header takes at least 2 bytes, which bounds the count before anything is reserved.
    if (header_count > d.in_.remaining() / 2) return d.Fail(i, "header count " + std::to_string(header_count) +
                                                                     " exceeds the bytes left in the block");
    r.headers.resize(static_cast<size_t>(header_count));
    for (auto& h : r.headers) {
      if (!d.Field(&h.key, &error)) return d.Fail(i, "header key: " + error);
      if (!d.Field(true, &h.value, &error)) return d.Fail(i, "header value: " + error);
    }
    prev_offset = r.offset;
    prev_timestamp = r.timestamp;
  }
  out->resize(count);
  if (!d.in_.done())
    return Fail(ErrorCode::kCorrupt, std::to_string(d.in_.remaining()) + " unexpected bytes after record " +
                                         std::to_string(count) + " of the block");
  return {};
}

}  // namespace kb::format
