#include "format/offset_docs.h"

#include <algorithm>
#include <cctype>

#include "core/time_util.h"
#include "format/json_reader.h"

namespace kb::format {

using nlohmann::json;

namespace {

const GroupOffsets* FindGroup(const std::vector<GroupOffsets>& groups, const std::string& group) {
  for (const auto& g : groups)
    if (g.group == group) return &g;
  return nullptr;
}

json ToJson(const std::vector<GroupOffsets>& groups) {
  json out = json::array();
  for (const auto& g : groups) {
    json offsets = json::array();
    for (const auto& o : g.offsets)
      offsets.push_back({{"topic", o.topic}, {"partition", o.partition}, {"offset", o.offset}, {"metadata", o.metadata}});
    out.push_back({{"group", g.group}, {"state", g.state}, {"offsets", std::move(offsets)}});
  }
  return out;
}

}  // namespace

const GroupOffsets* OffsetCapture::Find(const std::string& group) const { return FindGroup(groups, group); }
const GroupOffsets* OffsetSnapshot::Find(const std::string& group) const { return FindGroup(groups, group); }

size_t OffsetSnapshot::partition_count() const {
  size_t n = 0;
  for (const auto& g : groups) n += g.offsets.size();
  return n;
}

bool IsSnapshotId(const std::string& id) {
  if (id.rfind("snapshot-", 0) != 0 || id.size() < 10 || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

OffsetCapture ToCapture(kafka::CommittedOffsets read) {
  OffsetCapture c;
  c.captured_at_ms = read.read_at_ms;
  c.cluster_id = std::move(read.cluster_id);
  c.groups = std::move(read.groups);
  return c;
}

std::string Serialize(const OffsetCapture& c) {
  json j{{"format_version", c.format_version}, {"captured_at_ms", c.captured_at_ms},
         {"captured_at", FormatTimestampMs(c.captured_at_ms)}, {"cluster_id", c.cluster_id},
         {"groups", ToJson(c.groups)}};
  return j.dump(2);
}

json ToJson(const OffsetSnapshot& s) {
  return json{{"format_version", s.format_version}, {"snapshot_id", s.snapshot_id},
              {"created_at_ms", s.created_at_ms},   {"created_at", FormatTimestampMs(s.created_at_ms)},
              {"description", s.description},       {"cluster_id", s.cluster_id},
              {"bootstrap_servers", s.bootstrap_servers}, {"groups", ToJson(s.groups)}};
}

std::string Serialize(const OffsetSnapshot& s) { return ToJson(s).dump(2); }

// Fields a capture or snapshot has always had are required; the rest, absent from documents
// written by early versions, read as empty.
void ReadJson(JsonReader& r, const json& v, const std::string& w, kafka::GroupOffset* o) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "topic", &o->topic);
  r.Get(v, w, "partition", &o->partition);
  r.Get(v, w, "offset", &o->offset);
  r.GetOptional(v, w, "metadata", &o->metadata);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, GroupOffsets* g) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "group", &g->group);
  r.GetOptional(v, w, "state", &g->state);
  r.Get(v, w, "offsets", &g->offsets);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, OffsetCapture* c) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "format_version", &c->format_version);
  r.Get(v, w, "captured_at_ms", &c->captured_at_ms);
  r.GetOptional(v, w, "cluster_id", &c->cluster_id);
  r.Get(v, w, "groups", &c->groups);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, OffsetSnapshot* s) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "format_version", &s->format_version);
  r.Get(v, w, "snapshot_id", &s->snapshot_id);
  r.Get(v, w, "created_at_ms", &s->created_at_ms);
  r.GetOptional(v, w, "description", &s->description);
  r.GetOptional(v, w, "cluster_id", &s->cluster_id);
  r.GetOptional(v, w, "bootstrap_servers", &s->bootstrap_servers);
  r.Get(v, w, "groups", &s->groups);
}

Result<OffsetCapture> ParseOffsetCapture(const std::string& text, const std::string& key) {
  return ParseJsonDocument<OffsetCapture>(text, "consumer offset capture " + key, kOffsetDocsFormatVersion);
}

Result<OffsetSnapshot> ParseOffsetSnapshot(const std::string& text, const std::string& key) {
  return ParseJsonDocument<OffsetSnapshot>(text, "offset snapshot " + key, kOffsetDocsFormatVersion);
}

}  // namespace kb::format
