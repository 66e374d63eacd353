#include "offsets/cluster_reset_lookups.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "catalog/catalog_reader.h"
#include "format/segment.h"

namespace kb::offsets {

using namespace std::chrono_literals;

namespace {
constexpr const char* kOriginalOffsetHeader = "x-original-offset";
std::string Where(const std::string& topic, int32_t p) { return "topic=" + topic + " partition=" + std::to_string(p); }
}  // namespace

std::optional<int64_t> OriginalOffsetHeader(const Record& r) {
  for (const auto& h : r.headers) {
    if (h.key != kOriginalOffsetHeader || !h.value || h.value->empty()) continue;
    const std::string& v = *h.value;
    if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }) && v.size() <= 18)
      return std::stoll(v);
    if (v.size() == 8) {
      uint64_t n = 0;
      for (unsigned char c : v) n = (n << 8) | c;
      return static_cast<int64_t>(n);
    }
  }
  return std::nullopt;
}

ClusterResetLookups::ClusterResetLookups(kafka::KafkaPort& kafka, kafka::KafkaClientConfig target,
                                         kafka::AdminClient& admin, ObjectStore& store, std::string backup_id)
    : kafka_(kafka), target_(std::move(target)), admin_(admin), store_(store), backup_id_(std::move(backup_id)) {}

ClusterResetLookups::~ClusterResetLookups() = default;

Result<kafka::PartitionConsumer*> ClusterResetLookups::Consumer() {
  if (!consumer_) {
    kafka::ConsumerOptions opts;
    opts.read_committed = true;
    opts.max_batch_records = 500;
    KB_ASSIGN_OR_RETURN(consumer_, kafka_.CreateConsumer(target_, opts));
  }
  return consumer_.get();
}

Result<std::optional<Record>> ClusterResetLookups::ReadAt(const std::string& topic, int32_t partition, int64_t offset) {
  return ScanFrom(topic, partition, offset, [](const Record&) { return true; });
}

Result<std::optional<Record>> ClusterResetLookups::ScanFrom(const std::string& topic, int32_t partition, int64_t offset,
                                                            const std::function<bool(const Record&)>& match) {
  KB_ASSIGN_OR_RETURN(kafka::PartitionConsumer * c, Consumer());
  kafka::TopicPartition tp{topic, partition};
  if (assigned_.count(tp)) {
    KB_TRY(c->Seek(topic, partition, offset));
  } else {
    KB_TRY(c->Assign({{topic, partition, offset}}));
    assigned_.insert(tp);
  }
  // The deadline is for silence, not for the scan: it moves on with every record read.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    KB_ASSIGN_OR_RETURN(auto events, c->Poll(500ms));
    for (auto& ev : events) {
      if (ev.topic != topic || ev.partition != partition) continue;
      switch (ev.kind) {
        case kafka::ConsumerEvent::Kind::kRecord:
          if (ev.record.offset < offset) break;
          deadline = std::chrono::steady_clock::now() + 30s;
          if (match(ev.record)) return std::optional<Record>(std::move(ev.record));
          break;
        case kafka::ConsumerEvent::Kind::kPartitionEof:
          if (ev.offset <= offset) return std::optional<Record>();
          break;
        case kafka::ConsumerEvent::Kind::kOffsetOutOfRange:
          return Fail(ErrorCode::kNotFound, Where(topic, partition) + ": offset " + std::to_string(offset) +
                                                " is not stored on the target");
        case kafka::ConsumerEvent::Kind::kError:
          if (ev.error && !ev.error->retryable) return tl::unexpected(*ev.error);
          break;
      }
    }
  }
  return Fail(ErrorCode::kUnavailable, "reading " + Where(topic, partition) + " offset " + std::to_string(offset) +
                                           " of the target took longer than 30 s", true);
}

Result<std::optional<int64_t>> ClusterResetLookups::FindByOriginalOffset(const std::string& topic, int32_t partition,
                                                                         int64_t c, int64_t hint) {
  KB_ASSIGN_OR_RETURN(auto wm, admin_.Watermarks(topic, partition));
  if (wm.high <= wm.low) return std::optional<int64_t>();
  auto header_of = [&](const Record& r) -> Result<int64_t> {
    auto h = OriginalOffsetHeader(r);
    if (!h)
      return Fail(ErrorCode::kNotFound, Where(topic, partition) + " offset " + std::to_string(r.offset) +
                                            " has no x-original-offset header: the restore did not write them "
                                            "(restore with consumer_group_strategy: header-based or "
                                            "include_original_offset_header: true), or use --strategy timestamp-based");
    return *h;
  };
  // The mapping's estimate: right when the record there is >= C and the one before it is < C.
  if (hint >= wm.low && hint < wm.high) {
    KB_ASSIGN_OR_RETURN(auto r, ReadAt(topic, partition, hint));
    if (r) {
      KB_ASSIGN_OR_RETURN(int64_t h, header_of(*r));
      if (h >= c) {
        if (r->offset == wm.low) return std::optional<int64_t>(r->offset);
        KB_ASSIGN_OR_RETURN(auto prev, ReadAt(topic, partition, hint - 1));
        if (prev && prev->offset < r->offset) {
          KB_ASSIGN_OR_RETURN(int64_t hp, header_of(*prev));
          if (hp < c) return std::optional<int64_t>(r->offset);
        }
      }
    }
  }
  // Binary search: headers increase with the target offset.
  int64_t lo = wm.low, hi = wm.high;
  std::optional<int64_t> best;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    KB_ASSIGN_OR_RETURN(auto r, ReadAt(topic, partition, mid));
    if (!r) {
      hi = mid;
      continue;
    }
    KB_ASSIGN_OR_RETURN(int64_t h, header_of(*r));
    if (h >= c) {
      best = r->offset;
      hi = mid;
    } else {
      lo = r->offset + 1;
    }
  }
  return best;
}

Result<std::optional<int64_t>> ClusterResetLookups::OffsetForTimestamp(const std::string& topic, int32_t partition,
                                                                       int64_t ts) {
  KB_ASSIGN_OR_RETURN(auto found, admin_.OffsetsForTimes(topic, {{partition, ts}}));
  auto it = found.find(partition);
  if (it == found.end() || it->second < 0) return std::optional<int64_t>();
  return std::optional<int64_t>(it->second);
}

Result<std::optional<Record>> ClusterResetLookups::SourceRecord(const std::string& topic, int32_t partition, int64_t offset) {
  KB_ASSIGN_OR_RETURN(auto manifest, LoadManifest(store_, backup_id_));
  const auto* t = manifest.FindTopic(topic);
  const auto* p = t ? t->FindPartition(partition) : nullptr;
  if (!p) return std::optional<Record>();
  for (const auto& seg : p->segments) {
    if (offset < seg.first_offset || offset > seg.last_offset) continue;
    KB_ASSIGN_OR_RETURN(auto reader, format::SegmentReader::Open(store_, seg.key, seg.stored_bytes));
    for (size_t i = 0; i < reader.blocks().size(); ++i) {
      const auto& b = reader.blocks()[i];
      if (offset < b.first_offset || offset > b.last_offset) continue;
      KB_ASSIGN_OR_RETURN(auto records, reader.ReadBlock(i));
      for (auto& r : records)
        if (r.offset == offset) return std::optional<Record>(std::move(r));
    }
  }
  return std::optional<Record>();
}

Result<std::optional<int64_t>> ClusterResetLookups::ScanForRecord(const std::string& topic, int32_t partition,
                                                                  const Record& source) {
  KB_ASSIGN_OR_RETURN(auto wm, admin_.Watermarks(topic, partition));
  if (wm.high <= wm.low) return std::optional<int64_t>();
  KB_ASSIGN_OR_RETURN(auto r, ScanFrom(topic, partition, wm.low, [&](const Record& t) {
    return t.key == source.key && t.value == source.value && t.timestamp == source.timestamp;
  }));
  if (!r) return std::optional<int64_t>();
  return std::optional<int64_t>(r->offset);
}

}  // namespace kb::offsets
