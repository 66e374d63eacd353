#include "format/codec.h"

#include <lz4.h>
#include <zstd.h>

#include <limits>
#include <string>

#include "format/segment_layout.h"

namespace kb::format {

const char* CodecName(Codec c) {
  switch (c) {
    case Codec::kNone: return "none";
    case Codec::kZstd: return "zstd";
    case Codec::kLz4: return "lz4";
  }
  return "unknown";
}

Result<Codec> ParseCodec(const std::string& name) {
  if (name == "none") return Codec::kNone;
  if (name == "zstd") return Codec::kZstd;
  if (name == "lz4") return Codec::kLz4;
  return Fail(ErrorCode::kInvalidArgument,
              "unknown compression codec '" + name + "': use one of zstd, lz4, none");
}

Status CheckCodecOptions(Codec codec, int level) {
  switch (codec) {
    case Codec::kNone:
    case Codec::kLz4: return {};
    case Codec::kZstd:
      if (level < kMinZstdLevel || level > kMaxZstdLevel)
        return Fail(ErrorCode::kInvalidArgument,
                    "zstd compression level " + std::to_string(level) + " is out of range: use " +
                        std::to_string(kMinZstdLevel) + ".." + std::to_string(kMaxZstdLevel));
      return {};
  }
  return Fail(ErrorCode::kInvalidArgument,
              "unknown codec value " + std::to_string(static_cast<int>(codec)));
}

struct Compressor::Impl {
  struct CCtxDeleter {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> zstd;
};

Compressor::Compressor() : impl_(std::make_unique<Impl>()) {}
Compressor::~Compressor() = default;
Compressor::Compressor(Compressor&&) noexcept = default;
Compressor& Compressor::operator=(Compressor&&) noexcept = default;

Status Compressor::Compress(Codec codec, int level, std::string_view raw, std::string* out) {
  KB_TRY(CheckCodecOptions(codec, level));
  if (raw.size() > kMaxBlockRawBytes)
    return Fail(ErrorCode::kInvalidArgument,
                "block of " + std::to_string(raw.size()) + " bytes exceeds the block size limit");
  const size_t start = out->size();
  switch (codec) {
    case Codec::kNone:
      out->append(raw);
      return {};
    case Codec::kZstd: {
      if (!impl_->zstd) {
        impl_->zstd.reset(ZSTD_createCCtx());
        if (!impl_->zstd) return Fail(ErrorCode::kInternal, "zstd: cannot allocate a compression context");
      }
      const size_t bound = ZSTD_compressBound(raw.size());
      out->resize(start + bound);
      const size_t n = ZSTD_compressCCtx(impl_->zstd.get(), out->data() + start, bound, raw.data(),
                                         raw.size(), level);
      if (ZSTD_isError(n)) {
        out->resize(start);
        return Fail(ErrorCode::kInternal, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
      }
      out->resize(start + n);
      return {};
    }
    case Codec::kLz4: {
      const int src_size = static_cast<int>(raw.size());  // <= LZ4_MAX_INPUT_SIZE, checked above
      const int bound = LZ4_compressBound(src_size);
      out->resize(start + static_cast<size_t>(bound));
      const int n = LZ4_compress_default(raw.data(), out->data() + start, src_size, bound);
      if (n <= 0 && src_size > 0) {
        out->resize(start);
        return Fail(ErrorCode::kInternal, "lz4 compression failed");
      }
      out->resize(start + static_cast<size_t>(n));
      return {};
    }
  }
  return Fail(ErrorCode::kInternal, "unreachable codec");
}

namespace {

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

Result<std::string> DecompressZstd(std::string_view payload, size_t raw_size) {
  // The writer always records the content size in the frame; checking it before allocating
  // keeps a damaged size field from reserving gigabytes.
  const unsigned long long declared = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN)
    return Fail(ErrorCode::kCorrupt, "zstd payload has no valid frame header");
  if (declared != raw_size)
    return Fail(ErrorCode::kCorrupt, "zstd frame declares " + std::to_string(declared) +
                                         " bytes but the block header says " + std::to_string(raw_size));
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx;
  if (!dctx) {
    dctx.reset(ZSTD_createDCtx());
    if (!dctx) return Fail(ErrorCode::kInternal, "zstd: cannot allocate a decompression context");
  }
  std::string raw(raw_size, '\0');
  const size_t n = ZSTD_decompressDCtx(dctx.get(), raw.data(), raw.size(), payload.data(), payload.size());
  if (ZSTD_isError(n))
    return Fail(ErrorCode::kCorrupt, std::string("zstd decompression failed: ") + ZSTD_getErrorName(n));
  if (n != raw_size)
    return Fail(ErrorCode::kCorrupt, "zstd payload decompressed to " + std::to_string(n) +
                                         " bytes, expected " + std::to_string(raw_size));
  return raw;
}

Result<std::string> DecompressLz4(std::string_view payload, size_t raw_size) {
  if (payload.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      raw_size > static_cast<size_t>(LZ4_MAX_INPUT_SIZE))
    return Fail(ErrorCode::kCorrupt, "lz4 block sizes exceed the lz4 limit");
  // lz4 cannot expand data by more than about 255x; a larger claim is a damaged size field.
  if (raw_size > payload.size() * 256 + 64)
    return Fail(ErrorCode::kCorrupt, "lz4 block header claims an impossible raw size " + std::to_string(raw_size));
  std::string raw(raw_size, '\0');
  const int n = LZ4_decompress_safe(payload.data(), raw.data(), static_cast<int>(payload.size()),
                                    static_cast<int>(raw_size));
  if (n < 0) return Fail(ErrorCode::kCorrupt, "lz4 decompression failed (malformed input)");
  if (static_cast<size_t>(n) != raw_size)
    return Fail(ErrorCode::kCorrupt, "lz4 payload decompressed to " + std::to_string(n) +
                                         " bytes, expected " + std::to_string(raw_size));
  return raw;
}

}  // namespace

Result<std::string> Decompress(Codec codec, std::string_view payload, size_t raw_size) {
  switch (codec) {
    case Codec::kZstd: return DecompressZstd(payload, raw_size);
    case Codec::kLz4: return DecompressLz4(payload, raw_size);
    case Codec::kNone:
      if (payload.size() != raw_size)
        return Fail(ErrorCode::kCorrupt, "uncompressed payload is " + std::to_string(payload.size()) +
                                             " bytes, expected " + std::to_string(raw_size));
      return std::string(payload);
  }
  return Fail(ErrorCode::kCorrupt, "unknown codec value " + std::to_string(static_cast<int>(codec)));
}

}  // namespace kb::format
