#include "format/manifest.h"

#include "format/json_reader.h"

#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace kb::format {

using nlohmann::json;

uint64_t PartitionManifest::record_count() const {
  uint64_t n = 0;
  for (const auto& s : segments) n += s.record_count;
  return n;
}

PartitionManifest* TopicManifest::FindPartition(int32_t p) {
  for (auto& pm : partitions)
    if (pm.partition == p) return &pm;
  return nullptr;
}
const PartitionManifest* TopicManifest::FindPartition(int32_t p) const {
  return const_cast<TopicManifest*>(this)->FindPartition(p);
}

TopicManifest* Manifest::FindTopic(const std::string& name) {
  for (auto& t : topics)
    if (t.name == name) return &t;
  return nullptr;
}
const TopicManifest* Manifest::FindTopic(const std::string& name) const {
  return const_cast<Manifest*>(this)->FindTopic(name);
}

// ---------------------------------------------------------------------------------------------
// Serialize: nlohmann's default object keeps keys sorted, so output is stable.

json ToJson(const SegmentRef& s) {
  return json{{"key", s.key},
              {"first_offset", s.first_offset},
              {"last_offset", s.last_offset},
              {"min_timestamp", s.min_timestamp},
              {"max_timestamp", s.max_timestamp},
              {"record_count", s.record_count},
              {"raw_bytes", s.raw_bytes},
              {"stored_bytes", s.stored_bytes},
              {"crc32c", s.crc32c},
              {"codec", s.codec}};
}

json ToJson(const Gap& g) {
  return json{{"from_offset", g.from_offset},
              {"to_offset", g.to_offset},
              {"reason", g.reason},
              {"detected_at_ms", g.detected_at_ms}};
}

namespace {

json ToJson(const PartitionManifest& p) {
  json segments = json::array(), gaps = json::array();
  for (const auto& s : p.segments) segments.push_back(ToJson(s));
  for (const auto& g : p.gaps) gaps.push_back(ToJson(g));
  return json{{"partition", p.partition},
              {"segments", std::move(segments)},
              {"gaps", std::move(gaps)},
              {"next_offset", p.next_offset},
              {"end_offset_at_start", p.end_offset_at_start}};
}

json ToJson(const TopicManifest& t) {
  json configs = json::object(), partitions = json::array();
  for (const auto& [k, v] : t.configs) configs[k] = v;
  for (const auto& p : t.partitions) partitions.push_back(ToJson(p));
  return json{{"name", t.name},
              {"partition_count", t.partition_count},
              {"replication_factor", t.replication_factor},
              {"configs", std::move(configs)},
              {"partitions", std::move(partitions)}};
}

}  // namespace

std::string SerializeManifest(const Manifest& m) {
  json topics = json::array();
  for (const auto& t : m.topics) topics.push_back(ToJson(t));
  json j{{"format_version", m.format_version},
         {"backup_id", m.backup_id},
         {"status", m.status},
         {"mode", m.mode},
         {"compression", m.compression},
         {"cluster_id", m.cluster_id},
         {"source_bootstrap", m.source_bootstrap},
         {"tool_version", m.tool_version},
         {"created_at_ms", m.created_at_ms},
         {"updated_at_ms", m.updated_at_ms},
         {"topics", std::move(topics)}};
  // Invalid UTF-8 (never expected: names and configs come from Kafka) is replaced, not thrown.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

// ---------------------------------------------------------------------------------------------
// Parse: every field is required and strictly typed; the error names the JSON path.

void ReadJson(JsonReader& r, const json& v, const std::string& w, SegmentRef* s) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "key", &s->key);
  r.Get(v, w, "first_offset", &s->first_offset);
  r.Get(v, w, "last_offset", &s->last_offset);
  r.Get(v, w, "min_timestamp", &s->min_timestamp);
  r.Get(v, w, "max_timestamp", &s->max_timestamp);
  r.Get(v, w, "record_count", &s->record_count);
  r.Get(v, w, "raw_bytes", &s->raw_bytes);
  r.Get(v, w, "stored_bytes", &s->stored_bytes);
  r.Get(v, w, "crc32c", &s->crc32c);
  r.Get(v, w, "codec", &s->codec);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, Gap* g) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "from_offset", &g->from_offset);
  r.Get(v, w, "to_offset", &g->to_offset);
  r.Get(v, w, "reason", &g->reason);
  r.Get(v, w, "detected_at_ms", &g->detected_at_ms);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, PartitionManifest* p) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "partition", &p->partition);
  r.Get(v, w, "segments", &p->segments);
  r.Get(v, w, "gaps", &p->gaps);
  r.Get(v, w, "next_offset", &p->next_offset);
  r.Get(v, w, "end_offset_at_start", &p->end_offset_at_start);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, TopicManifest* t) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "name", &t->name);
  r.Get(v, w, "partition_count", &t->partition_count);
  r.Get(v, w, "replication_factor", &t->replication_factor);
  r.Get(v, w, "configs", &t->configs);
  r.Get(v, w, "partitions", &t->partitions);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, Manifest* m) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "format_version", &m->format_version);
  r.Get(v, w, "backup_id", &m->backup_id);
  r.Get(v, w, "status", &m->status);
  r.Get(v, w, "mode", &m->mode);
  r.Get(v, w, "compression", &m->compression);
  r.Get(v, w, "cluster_id", &m->cluster_id);
  r.GetOptional(v, w, "source_bootstrap", &m->source_bootstrap);
  r.Get(v, w, "tool_version", &m->tool_version);
  r.Get(v, w, "created_at_ms", &m->created_at_ms);
  r.Get(v, w, "updated_at_ms", &m->updated_at_ms);
  r.Get(v, w, "topics", &m->topics);
}

Result<Manifest> ParseManifest(const std::string& text) {
  KB_ASSIGN_OR_RETURN(auto m, ParseJsonDocument<Manifest>(text, "manifest", kManifestFormatVersion));
  if (m.format_version < 1)
    return Fail(ErrorCode::kCorrupt, "manifest format_version " + std::to_string(m.format_version) + " is invalid");
  return m;
}

}  // namespace kb::format
