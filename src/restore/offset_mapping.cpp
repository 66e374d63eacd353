#include "restore/offset_mapping.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace kb {

using nlohmann::json;

uint64_t PartitionMapping::records() const {
  uint64_t n = 0;
  for (const auto& r : ranges) n += static_cast<uint64_t>(r.count);
  return n;
}

void PartitionMapping::Add(int64_t source_offset, int64_t target_offset) {
  if (!ranges.empty()) {
    auto& last = ranges.back();
    if (last.source_offset + last.count == source_offset && last.target_offset + last.count == target_offset) {
      ++last.count;
      return;
    }
  }
  ranges.push_back({source_offset, target_offset, 1});
}

const PartitionMapping* OffsetMapping::Find(const std::string& topic, int32_t partition) const {
  for (const auto& p : partitions)
    if (p.source_topic == topic && p.source_partition == partition) return &p;
  return nullptr;
}

Result<TranslatedOffset> OffsetMapping::Translate(const std::string& topic, int32_t partition,
                                                  int64_t committed) const {
  const PartitionMapping* pm = Find(topic, partition);
  std::string where = "topic=" + topic + " partition=" + std::to_string(partition);
  if (!pm) return Fail(ErrorCode::kNotFound, where + " was not restored by " + restore_id);
  if (pm->target_partition < 0)
    return Fail(ErrorCode::kInvalidArgument,
                where + " was repartitioned: its records are spread over several target partitions, so a group "
                        "position cannot be translated; reset this group with --strategy timestamp-based or by hand");
  TranslatedOffset t{pm->target_topic, pm->target_partition, pm->target_end_offset, true};
  // First range whose last source offset is >= committed.
  auto it = std::lower_bound(pm->ranges.begin(), pm->ranges.end(), committed,
                             [](const MappingRange& r, int64_t c) { return r.source_offset + r.count - 1 < c; });
  if (it != pm->ranges.end()) {
    t.past_restored_range = false;
    t.offset = committed <= it->source_offset ? it->target_offset : it->target_offset + (committed - it->source_offset);
  }
  return t;
}

std::string SerializeOffsetMapping(const OffsetMapping& m) {
  json j;
  j["format_version"] = m.format_version;
  j["backup_id"] = m.backup_id;
  j["restore_id"] = m.restore_id;
  j["created_at_ms"] = m.created_at_ms;
  j["time_window_start"] = m.time_window_start ? json(*m.time_window_start) : json(nullptr);
  j["time_window_end"] = m.time_window_end ? json(*m.time_window_end) : json(nullptr);
  j["partitions"] = json::array();
  for (const auto& p : m.partitions) {
    json jp{{"source_topic", p.source_topic}, {"source_partition", p.source_partition},
            {"target_topic", p.target_topic}, {"target_partition", p.target_partition},
            {"target_end_offset", p.target_end_offset}, {"ranges", json::array()}};
    // Ranges as [source_offset, target_offset, count] triples: compact and easy to read.
    for (const auto& r : p.ranges) jp["ranges"].push_back(json::array({r.source_offset, r.target_offset, r.count}));
    j["partitions"].push_back(std::move(jp));
  }
  return j.dump(1);
}

Result<OffsetMapping> ParseOffsetMapping(const std::string& text, const std::string& key) {
  try {
    json j = json::parse(text);
    OffsetMapping m;
    m.format_version = j.at("format_version").get<int>();
    if (m.format_version > 1)
      return Fail(ErrorCode::kInvalidArgument, key + " has format_version " + std::to_string(m.format_version) +
                                                   "; this kafka-backup reads version 1: upgrade it");
    m.backup_id = j.at("backup_id").get<std::string>();
    m.restore_id = j.at("restore_id").get<std::string>();
    m.created_at_ms = j.at("created_at_ms").get<int64_t>();
    if (!j.at("time_window_start").is_null()) m.time_window_start = j["time_window_start"].get<int64_t>();
    if (!j.at("time_window_end").is_null()) m.time_window_end = j["time_window_end"].get<int64_t>();
    for (const auto& jp : j.at("partitions")) {
      PartitionMapping p;
      p.source_topic = jp.at("source_topic").get<std::string>();
      p.source_partition = jp.at("source_partition").get<int32_t>();
      p.target_topic = jp.at("target_topic").get<std::string>();
      p.target_partition = jp.at("target_partition").get<int32_t>();
      p.target_end_offset = jp.at("target_end_offset").get<int64_t>();
      for (const auto& r : jp.at("ranges")) p.ranges.push_back({r.at(0).get<int64_t>(), r.at(1).get<int64_t>(), r.at(2).get<int64_t>()});
      m.partitions.push_back(std::move(p));
    }
    return m;
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kCorrupt, "offset mapping " + key + " is not valid: " + e.what());
  }
}

}  // namespace kb
