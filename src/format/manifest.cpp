#include "format/manifest.h"

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

namespace {

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

namespace {

class Parser {
 public:
  static std::string Join(const std::string& path, const char* name) {
    return path.empty() ? std::string(name) : path + "." + name;
  }

  // Reads field `name` of object `obj` (at `path`) into `out`; records the first error.
  template <typename T>
  void Get(const json& obj, const std::string& path, const char* name, T* out) {
    if (error_) return;
    const std::string where = Join(path, name);
    auto it = obj.find(name);
    if (it == obj.end()) return SetError(where + ": missing");
    Read(*it, where, out);
  }

  template <typename T>
  void Read(const json& v, const std::string& where, T* out) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) return SetError(where + ": expected a string");
      *out = v.get<std::string>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) return SetError(where + ": expected an integer");
      bool fits;
      if (v.is_number_unsigned()) {
        const auto u = v.get<uint64_t>();
        fits = u <= static_cast<uint64_t>(std::numeric_limits<T>::max());
        if (fits) *out = static_cast<T>(u);
      } else {
        const auto s = v.get<int64_t>();
        fits = std::is_signed_v<T> ? (s >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                      s <= static_cast<int64_t>(std::numeric_limits<T>::max()))
                                   : s >= 0 && static_cast<uint64_t>(s) <= std::numeric_limits<T>::max();
        if (fits) *out = static_cast<T>(s);
      }
      if (!fits) return SetError(where + ": integer out of range");
    } else {
      ReadObject(v, where, out);
    }
  }

  // Arrays of objects.
  template <typename T>
  void Get(const json& obj, const std::string& path, const char* name, std::vector<T>* out) {
    if (error_) return;
    const std::string where = Join(path, name);
    auto it = obj.find(name);
    if (it == obj.end()) return SetError(where + ": missing");
    if (!it->is_array()) return SetError(where + ": expected an array");
    out->clear();
    out->reserve(it->size());
    for (size_t i = 0; i < it->size() && !error_; ++i) {
      out->emplace_back();
      Read((*it)[i], where + "[" + std::to_string(i) + "]", &out->back());
    }
  }

  void Get(const json& obj, const std::string& path, const char* name, std::map<std::string, std::string>* out) {
    if (error_) return;
    const std::string where = Join(path, name);
    auto it = obj.find(name);
    if (it == obj.end()) return SetError(where + ": missing");
    if (!it->is_object()) return SetError(where + ": expected an object");
    out->clear();
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return SetError(where + "[\"" + k + "\"]: expected a string");
      (*out)[k] = v.get<std::string>();
    }
  }

  bool ExpectObject(const json& v, const std::string& where) {
    if (error_) return false;
    if (!v.is_object()) {
      SetError(where + ": expected an object");
      return false;
    }
    return true;
  }

  void ReadObject(const json& v, const std::string& w, SegmentRef* s) {
    if (!ExpectObject(v, w)) return;
    Get(v, w, "key", &s->key);
    Get(v, w, "first_offset", &s->first_offset);
    Get(v, w, "last_offset", &s->last_offset);
    Get(v, w, "min_timestamp", &s->min_timestamp);
    Get(v, w, "max_timestamp", &s->max_timestamp);
    Get(v, w, "record_count", &s->record_count);
    Get(v, w, "raw_bytes", &s->raw_bytes);
    Get(v, w, "stored_bytes", &s->stored_bytes);
    Get(v, w, "crc32c", &s->crc32c);
    Get(v, w, "codec", &s->codec);
  }

  void ReadObject(const json& v, const std::string& w, Gap* g) {
    if (!ExpectObject(v, w)) return;
    Get(v, w, "from_offset", &g->from_offset);
    Get(v, w, "to_offset", &g->to_offset);
    Get(v, w, "reason", &g->reason);
    Get(v, w, "detected_at_ms", &g->detected_at_ms);
  }

  void ReadObject(const json& v, const std::string& w, PartitionManifest* p) {
    if (!ExpectObject(v, w)) return;
    Get(v, w, "partition", &p->partition);
    Get(v, w, "segments", &p->segments);
    Get(v, w, "gaps", &p->gaps);
    Get(v, w, "next_offset", &p->next_offset);
    Get(v, w, "end_offset_at_start", &p->end_offset_at_start);
  }

  void ReadObject(const json& v, const std::string& w, TopicManifest* t) {
    if (!ExpectObject(v, w)) return;
    Get(v, w, "name", &t->name);
    Get(v, w, "partition_count", &t->partition_count);
    Get(v, w, "replication_factor", &t->replication_factor);
    Get(v, w, "configs", &t->configs);
    Get(v, w, "partitions", &t->partitions);
  }

  void ReadObject(const json& v, const std::string& w, Manifest* m) {
    if (!ExpectObject(v, w)) return;
    Get(v, w, "format_version", &m->format_version);
    Get(v, w, "backup_id", &m->backup_id);
    Get(v, w, "status", &m->status);
    Get(v, w, "mode", &m->mode);
    Get(v, w, "compression", &m->compression);
    Get(v, w, "cluster_id", &m->cluster_id);
    if (v.contains("source_bootstrap")) Get(v, w, "source_bootstrap", &m->source_bootstrap);
    Get(v, w, "tool_version", &m->tool_version);
    Get(v, w, "created_at_ms", &m->created_at_ms);
    Get(v, w, "updated_at_ms", &m->updated_at_ms);
    Get(v, w, "topics", &m->topics);
  }

  void SetError(std::string e) {
    if (!error_) error_ = std::move(e);
  }
  const std::optional<std::string>& error() const { return error_; }

 private:
  std::optional<std::string> error_;
};

}  // namespace

Result<Manifest> ParseManifest(const std::string& text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Fail(ErrorCode::kCorrupt, "manifest is not valid JSON: the object is damaged or not a manifest");
  if (!j.is_object()) return Fail(ErrorCode::kCorrupt, "manifest is not a JSON object");
  // The version decides how to read the rest, so it is checked before anything else.
  auto version = j.find("format_version");
  if (version != j.end() && version->is_number_unsigned() &&
      version->get<uint64_t>() > static_cast<uint64_t>(kManifestFormatVersion))
    return Fail(ErrorCode::kInvalidArgument, "manifest format_version " + std::to_string(version->get<uint64_t>()) +
                                                 " is newer than this build supports (" +
                                                 std::to_string(kManifestFormatVersion) + "): upgrade kafka-backup");
  Parser p;
  Manifest m;
  p.ReadObject(j, "", &m);
  if (p.error()) return Fail(ErrorCode::kCorrupt, "manifest field " + *p.error());
  if (m.format_version < 1)
    return Fail(ErrorCode::kCorrupt, "manifest format_version " + std::to_string(m.format_version) + " is invalid");
  return m;
}

}  // namespace kb::format
