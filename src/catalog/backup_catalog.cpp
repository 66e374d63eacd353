#include "catalog/backup_catalog.h"

#include <algorithm>
#include <map>
#include <set>

#include "format/object_keys.h"
#include "core/crc32c.h"
#include "format/segment.h"

namespace kb {

namespace {

void CheckPartitionShape(const std::string& where, const format::PartitionManifest& pm, ValidationReport& r) {
  int64_t prev_last = -1;
  for (const auto& s : pm.segments) {
    if (s.first_offset > s.last_offset)
      r.issues.push_back({where + " segment=" + s.key, "first offset is after last offset"});
    if (s.first_offset <= prev_last)
      r.issues.push_back({where + " segment=" + s.key, "overlaps the previous segment (first offset " +
                                                           std::to_string(s.first_offset) + " <= " +
                                                           std::to_string(prev_last) + ")"});
    prev_last = s.last_offset;
  }
  if (!pm.segments.empty() && pm.next_offset <= pm.segments.back().last_offset)
    r.issues.push_back({where, "resume checkpoint " + std::to_string(pm.next_offset) +
                                   " is not past the last stored offset " + std::to_string(prev_last)});
}

void DeepCheckSegment(ObjectStore& store, const std::string& where, const format::SegmentRef& s,
                      int64_t& prev_offset, ValidationReport& r) {
  std::string at = where + " segment=" + s.key;
  // The whole object: its CRC32C and its file header are checked too, not only its blocks.
  auto bytes = store.Get(s.key);
  if (!bytes) {
    r.issues.push_back({at, bytes.error().message});
    return;
  }
  if (uint32_t crc = Crc32c(*bytes); crc != s.crc32c)
    r.issues.push_back({at, "whole-object CRC32C is " + std::to_string(crc) + " but the catalog says " +
                                std::to_string(s.crc32c)});
  auto reader = format::SegmentReader::FromBytes(std::move(*bytes), s.key);
  if (!reader) {
    r.issues.push_back({at, reader.error().message});
    return;
  }
  uint64_t count = 0;
  int64_t min_ts = INT64_MAX, max_ts = INT64_MIN, first = -1, last = -1;
  const auto& blocks = reader->blocks();
  for (size_t b = 0; b < blocks.size(); ++b) {
    r.blocks_checked++;
    auto records = reader->ReadBlock(b);
    if (!records) {
      r.issues.push_back({at + " block=" + std::to_string(b), records.error().message});
      return;
    }
    if (records->size() != blocks[b].record_count)
      r.issues.push_back({at + " block=" + std::to_string(b), "holds " + std::to_string(records->size()) +
                                                                   " records, its index says " +
                                                                   std::to_string(blocks[b].record_count)});
    for (const auto& rec : *records) {
      if (rec.offset <= prev_offset) {
        r.issues.push_back({at + " block=" + std::to_string(b), "offset " + std::to_string(rec.offset) +
                                                                     " does not increase (previous " +
                                                                     std::to_string(prev_offset) + ")"});
        return;
      }
      prev_offset = rec.offset;
      if (first < 0) first = rec.offset;
      last = rec.offset;
      min_ts = std::min(min_ts, rec.timestamp);
      max_ts = std::max(max_ts, rec.timestamp);
      ++count;
    }
  }
  r.records_checked += count;
  auto mismatch = [&](const std::string& what, int64_t found, int64_t recorded) {
    if (found != recorded)
      r.issues.push_back({at, what + " is " + std::to_string(found) + " but the catalog says " + std::to_string(recorded)});
  };
  mismatch("record count", static_cast<int64_t>(count), static_cast<int64_t>(s.record_count));
  if (count > 0) {
    mismatch("first offset", first, s.first_offset);
    mismatch("last offset", last, s.last_offset);
    mismatch("min timestamp", min_ts, s.min_timestamp);
    mismatch("max timestamp", max_ts, s.max_timestamp);
  }
}

}  // namespace

Result<ValidationReport> ValidateBackup(ObjectStore& store, const format::Manifest& m, bool deep) {
  ValidationReport r;
  r.backup_id = m.backup_id;
  r.deep = deep;
  KB_ASSIGN_OR_RETURN(auto objects, store.List(m.backup_id + "/topics/"));
  std::map<std::string, uint64_t> sizes;
  for (const auto& o : objects) sizes[o.key] = o.size;
  for (const auto& t : m.topics) {
    for (const auto& pm : t.partitions) {
      std::string where = "topic=" + t.name + " partition=" + std::to_string(pm.partition);
      CheckPartitionShape(where, pm, r);
      r.gaps += pm.gaps.size();
      for (const auto& g : pm.gaps) r.gap_records += static_cast<uint64_t>(g.to_offset - g.from_offset + 1);
      int64_t prev_offset = -1;
      for (const auto& s : pm.segments) {
        r.segments_checked++;
        auto it = sizes.find(s.key);
        if (it == sizes.end()) {
          r.issues.push_back({where + " segment=" + s.key, "missing from storage"});
          continue;
        }
        if (it->second != s.stored_bytes) {
          r.issues.push_back({where + " segment=" + s.key, "size is " + std::to_string(it->second) +
                                                               " bytes but the catalog says " +
                                                               std::to_string(s.stored_bytes)});
          continue;
        }
        if (deep) DeepCheckSegment(store, where, s, prev_offset, r);
        else r.records_checked += s.record_count;
      }
    }
  }
  return r;
}

}  // namespace kb
