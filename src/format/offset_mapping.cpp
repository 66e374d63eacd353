#include "format/offset_mapping.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "format/json_reader.h"

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

namespace format {

// Ranges as [source_offset, target_offset, count] triples: compact and easy to read.
json ToJson(const std::vector<MappingRange>& ranges) {
  json a = json::array();
  for (const auto& r : ranges) a.push_back(json::array({r.source_offset, r.target_offset, r.count}));
  return a;
}

}  // namespace format

json ToJson(const OffsetMapping& m) {
  json j{{"format_version", m.format_version},
         {"backup_id", m.backup_id},
         {"restore_id", m.restore_id},
         {"created_at_ms", m.created_at_ms},
         {"time_window_start", m.time_window_start ? json(*m.time_window_start) : json(nullptr)},
         {"time_window_end", m.time_window_end ? json(*m.time_window_end) : json(nullptr)},
         {"partitions", json::array()}};
  for (const auto& p : m.partitions)
    j["partitions"].push_back({{"source_topic", p.source_topic}, {"source_partition", p.source_partition},
                               {"target_topic", p.target_topic}, {"target_partition", p.target_partition},
                               {"target_end_offset", p.target_end_offset}, {"ranges", format::ToJson(p.ranges)}});
  return j;
}

std::string SerializeOffsetMapping(const OffsetMapping& m) { return ToJson(m).dump(1); }

namespace format {

// A range is stored as a [source_offset, target_offset, count] triple.
void ReadJson(JsonReader& r, const json& v, const std::string& w, MappingRange* m) {
  if (!v.is_array() || v.size() != 3) return r.SetError(w + ": expected [source_offset, target_offset, count]");
  r.Read(v[0], w + "[0]", &m->source_offset);
  r.Read(v[1], w + "[1]", &m->target_offset);
  r.Read(v[2], w + "[2]", &m->count);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, PartitionMapping* p) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "source_topic", &p->source_topic);
  r.Get(v, w, "source_partition", &p->source_partition);
  r.Get(v, w, "target_topic", &p->target_topic);
  r.Get(v, w, "target_partition", &p->target_partition);
  r.Get(v, w, "target_end_offset", &p->target_end_offset);
  r.Get(v, w, "ranges", &p->ranges);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, OffsetMapping* m) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "format_version", &m->format_version);
  r.Get(v, w, "backup_id", &m->backup_id);
  r.Get(v, w, "restore_id", &m->restore_id);
  r.Get(v, w, "created_at_ms", &m->created_at_ms);
  r.Get(v, w, "time_window_start", &m->time_window_start);  // null: no bound
  r.Get(v, w, "time_window_end", &m->time_window_end);
  r.Get(v, w, "partitions", &m->partitions);
}

}  // namespace format

Result<OffsetMapping> ParseOffsetMapping(const std::string& text, const std::string& key) {
  return format::ParseJsonDocument<OffsetMapping>(text, "offset mapping " + key, 1);
}

}  // namespace kb
