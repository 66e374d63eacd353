#include "format/catalog_docs.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "format/json_reader.h"

namespace kb::format {

using nlohmann::json;

// Defined with the manifest (format 1 and 2 share these two shapes).
void ReadJson(JsonReader& r, const json& v, const std::string& w, SegmentRef* s);
void ReadJson(JsonReader& r, const json& v, const std::string& w, Gap* g);

void PartitionTotals::Add(const ChainEntry& e) {
  if (e.segment) {
    const SegmentRef& s = *e.segment;
    if (s.record_count > 0) {
      min_timestamp = records == 0 ? s.min_timestamp : std::min(min_timestamp, s.min_timestamp);
      max_timestamp = records == 0 ? s.max_timestamp : std::max(max_timestamp, s.max_timestamp);
    }
    records += s.record_count;
    raw_bytes += s.raw_bytes;
    stored_bytes += s.stored_bytes;
    segments++;
  }
  if (e.gap) {
    gaps++;
    gap_records += static_cast<uint64_t>(e.to - e.from);
  }
}

void PartitionTotals::Add(const PartitionTotals& t) {
  if (t.records > 0) {
    min_timestamp = records == 0 ? t.min_timestamp : std::min(min_timestamp, t.min_timestamp);
    max_timestamp = records == 0 ? t.max_timestamp : std::max(max_timestamp, t.max_timestamp);
  }
  records += t.records;
  raw_bytes += t.raw_bytes;
  stored_bytes += t.stored_bytes;
  segments += t.segments;
  gaps += t.gaps;
  gap_records += t.gap_records;
}

namespace {

// Every document names its kind, so a misplaced object is refused instead of misread.
constexpr const char* kCommitKind = "commit";
constexpr const char* kCheckpointKind = "checkpoint";
constexpr const char* kRunKind = "run";
constexpr const char* kTopicKind = "topic";
constexpr const char* kRunEndKind = "run_end";
constexpr const char* kFloorKind = "floor";
constexpr const char* kLeaseKind = "lease";

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

json ToJson(const ChainEntry& e) {
  json j{{"from", e.from}, {"to", e.to}};
  if (e.segment) j["segment"] = ToJson(*e.segment);
  if (e.gap) j["gap"] = ToJson(*e.gap);
  return j;
}

json ToJson(const std::vector<ChainEntry>& entries) {
  json a = json::array();
  for (const auto& e : entries) a.push_back(ToJson(e));
  return a;
}

json ToJson(const DocRef& d) { return json{{"key", d.key}, {"sha256", d.sha256}, {"seq", d.seq}}; }
json ToJson(const std::optional<DocRef>& d) { return d ? ToJson(*d) : json(nullptr); }

json ToJson(const PartitionTotals& t) {
  return json{{"records", t.records},         {"raw_bytes", t.raw_bytes},   {"stored_bytes", t.stored_bytes},
              {"segments", t.segments},       {"gaps", t.gaps},             {"gap_records", t.gap_records},
              {"min_timestamp", t.min_timestamp}, {"max_timestamp", t.max_timestamp}};
}

json ToJson(const RunTopic& t) {
  json configs = json::object();
  for (const auto& [k, v] : t.configs) configs[k] = v;
  return json{{"name", t.name},
              {"partition_count", t.partition_count},
              {"replication_factor", t.replication_factor},
              {"configs", std::move(configs)},
              {"end_offsets_at_start", t.end_offsets_at_start}};
}

void ReadKind(JsonReader& r, const json& v, const std::string& w, const char* kind) {
  std::string got;
  r.Get(v, w, "kind", &got);
  if (!r.error() && got != kind) r.SetError(JsonReader::Join(w, "kind") + ": is \"" + got + "\", expected \"" + kind + "\"");
}

void ReadVersion(JsonReader& r, const json& v, const std::string& w, int* version) {
  r.Get(v, w, "format_version", version);
  if (!r.error() && *version != kCatalogFormatVersion)
    r.SetError(JsonReader::Join(w, "format_version") + ": is " + std::to_string(*version) + ", expected 2");
}

}  // namespace

void ReadJson(JsonReader& r, const json& v, const std::string& w, ChainEntry* e) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "from", &e->from);
  r.Get(v, w, "to", &e->to);
  if (v.contains("segment")) r.Get(v, w, "segment", &e->segment.emplace());
  if (v.contains("gap")) r.Get(v, w, "gap", &e->gap.emplace());
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, DocRef* d) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "key", &d->key);
  r.Get(v, w, "sha256", &d->sha256);
  r.Get(v, w, "seq", &d->seq);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, PartitionTotals* t) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "records", &t->records);
  r.Get(v, w, "raw_bytes", &t->raw_bytes);
  r.Get(v, w, "stored_bytes", &t->stored_bytes);
  r.Get(v, w, "segments", &t->segments);
  r.Get(v, w, "gaps", &t->gaps);
  r.Get(v, w, "gap_records", &t->gap_records);
  r.Get(v, w, "min_timestamp", &t->min_timestamp);
  r.Get(v, w, "max_timestamp", &t->max_timestamp);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, RunTopic* t) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "name", &t->name);
  r.Get(v, w, "partition_count", &t->partition_count);
  r.Get(v, w, "replication_factor", &t->replication_factor);
  r.Get(v, w, "configs", &t->configs);
  r.Get(v, w, "end_offsets_at_start", &t->end_offsets_at_start);
}

// A DocRef field that is null for the first of its kind.
static void GetOptionalRef(JsonReader& r, const json& v, const std::string& w, const char* name,
                           std::optional<DocRef>* out) {
  auto it = v.find(name);
  if (it == v.end()) return r.SetError(JsonReader::Join(w, name) + ": missing");
  if (it->is_null()) return out->reset();
  r.Read(*it, JsonReader::Join(w, name), &out->emplace());
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, CatalogCommit* c) {
  if (!r.ExpectObject(v, w)) return;
  ReadVersion(r, v, w, &c->format_version);
  ReadKind(r, v, w, kCommitKind);
  r.Get(v, w, "topic", &c->topic);
  r.Get(v, w, "partition", &c->partition);
  r.Get(v, w, "seq", &c->seq);
  r.Get(v, w, "epoch", &c->epoch);
  r.Get(v, w, "run_id", &c->run_id);
  GetOptionalRef(r, v, w, "prev", &c->prev);
  GetOptionalRef(r, v, w, "checkpoint", &c->checkpoint);
  r.Get(v, w, "committed_at_ms", &c->committed_at_ms);
  r.Get(v, w, "entries", &c->entries);
  r.Get(v, w, "totals", &c->totals);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, CatalogCheckpoint* c) {
  if (!r.ExpectObject(v, w)) return;
  ReadVersion(r, v, w, &c->format_version);
  ReadKind(r, v, w, kCheckpointKind);
  r.Get(v, w, "topic", &c->topic);
  r.Get(v, w, "partition", &c->partition);
  r.Get(v, w, "seq", &c->seq);
  r.Get(v, w, "epoch", &c->epoch);
  r.Get(v, w, "run_id", &c->run_id);
  r.Get(v, w, "commit", &c->commit);
  GetOptionalRef(r, v, w, "prev", &c->prev);
  r.Get(v, w, "entries", &c->entries);
  r.Get(v, w, "totals", &c->totals);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, CatalogRun* run) {
  if (!r.ExpectObject(v, w)) return;
  ReadVersion(r, v, w, &run->format_version);
  ReadKind(r, v, w, kRunKind);
  r.Get(v, w, "backup_id", &run->backup_id);
  r.Get(v, w, "run_id", &run->run_id);
  r.Get(v, w, "epoch", &run->epoch);
  r.Get(v, w, "started_at_ms", &run->started_at_ms);
  r.Get(v, w, "created_at_ms", &run->created_at_ms);
  r.Get(v, w, "mode", &run->mode);
  r.Get(v, w, "compression", &run->compression);
  r.Get(v, w, "cluster_id", &run->cluster_id);
  r.Get(v, w, "source_bootstrap", &run->source_bootstrap);
  r.Get(v, w, "tool_version", &run->tool_version);
  r.Get(v, w, "topics", &run->topics);
  r.GetOptional(v, w, "group", &run->group);
  r.GetOptional(v, w, "member_id", &run->member_id);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, CatalogTopicAdded* t) {
  if (!r.ExpectObject(v, w)) return;
  ReadVersion(r, v, w, &t->format_version);
  ReadKind(r, v, w, kTopicKind);
  r.Get(v, w, "run_id", &t->run_id);
  r.Get(v, w, "topic", &t->topic);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, CatalogRunEnd* e) {
  if (!r.ExpectObject(v, w)) return;
  ReadVersion(r, v, w, &e->format_version);
  ReadKind(r, v, w, kRunEndKind);
  r.Get(v, w, "run_id", &e->run_id);
  r.Get(v, w, "status", &e->status);
  r.Get(v, w, "ended_at_ms", &e->ended_at_ms);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, CatalogFloor* f) {
  if (!r.ExpectObject(v, w)) return;
  ReadVersion(r, v, w, &f->format_version);
  ReadKind(r, v, w, kFloorKind);
  r.Get(v, w, "topic", &f->topic);
  r.Get(v, w, "partition", &f->partition);
  r.Get(v, w, "from", &f->from);
  r.Get(v, w, "removed_through_seq", &f->removed_through_seq);
  r.Get(v, w, "earliest_restorable_ms", &f->earliest_restorable_ms);
  r.Get(v, w, "created_at_ms", &f->created_at_ms);
  r.Get(v, w, "pruned", &f->pruned);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, CatalogLease* l) {
  if (!r.ExpectObject(v, w)) return;
  ReadVersion(r, v, w, &l->format_version);
  ReadKind(r, v, w, kLeaseKind);
  r.Get(v, w, "lease_id", &l->lease_id);
  r.Get(v, w, "lease_kind", &l->kind);
  r.Get(v, w, "holder", &l->holder);
  r.Get(v, w, "reads_from_ms", &l->reads_from_ms);
  r.Get(v, w, "acquired_at_ms", &l->acquired_at_ms);
  r.Get(v, w, "expires_at_ms", &l->expires_at_ms);
  r.GetOptional(v, w, "group", &l->group);
  r.GetOptional(v, w, "member_id", &l->member_id);
  r.GetOptional(v, w, "partitions", &l->partitions);
  if (!r.error() && l->kind != "backup" && l->kind != "restore")
    r.SetError(JsonReader::Join(w, "lease_kind") + ": is \"" + l->kind + "\", expected \"backup\" or \"restore\"");
}

std::string Serialize(const CatalogCommit& c) {
  return Dump(json{{"format_version", c.format_version}, {"kind", kCommitKind},
                   {"topic", c.topic},                   {"partition", c.partition},
                   {"seq", c.seq},                       {"epoch", c.epoch},
                   {"run_id", c.run_id},                 {"prev", ToJson(c.prev)},
                   {"checkpoint", ToJson(c.checkpoint)}, {"committed_at_ms", c.committed_at_ms},
                   {"entries", ToJson(c.entries)},       {"totals", ToJson(c.totals)}});
}

std::string Serialize(const CatalogCheckpoint& c) {
  return Dump(json{{"format_version", c.format_version}, {"kind", kCheckpointKind},
                   {"topic", c.topic},                   {"partition", c.partition},
                   {"seq", c.seq},                       {"epoch", c.epoch},
                   {"run_id", c.run_id},                 {"commit", ToJson(c.commit)},
                   {"prev", ToJson(c.prev)},             {"entries", ToJson(c.entries)},
                   {"totals", ToJson(c.totals)}});
}

std::string Serialize(const CatalogRun& r) {
  json topics = json::array();
  for (const auto& t : r.topics) topics.push_back(ToJson(t));
  json doc{{"format_version", r.format_version},
                   {"kind", kRunKind},
                   {"backup_id", r.backup_id},
                   {"run_id", r.run_id},
                   {"epoch", r.epoch},
                   {"started_at_ms", r.started_at_ms},
                   {"created_at_ms", r.created_at_ms},
                   {"mode", r.mode},
                   {"compression", r.compression},
                   {"cluster_id", r.cluster_id},
                   {"source_bootstrap", r.source_bootstrap},
                   {"tool_version", r.tool_version},
                   {"topics", std::move(topics)}};
  if (!r.group.empty()) {
    doc["group"] = r.group;
    doc["member_id"] = r.member_id;
  }
  return Dump(doc);
}

std::string Serialize(const CatalogTopicAdded& t) {
  return Dump(json{{"format_version", t.format_version}, {"kind", kTopicKind}, {"run_id", t.run_id},
                   {"topic", ToJson(t.topic)}});
}

std::string Serialize(const CatalogRunEnd& e) {
  return Dump(json{{"format_version", e.format_version}, {"kind", kRunEndKind}, {"run_id", e.run_id},
                   {"status", e.status}, {"ended_at_ms", e.ended_at_ms}});
}

std::string Serialize(const CatalogFloor& f) {
  return Dump(json{{"format_version", f.format_version},
                   {"kind", kFloorKind},
                   {"topic", f.topic},
                   {"partition", f.partition},
                   {"from", f.from},
                   {"removed_through_seq", f.removed_through_seq},
                   {"earliest_restorable_ms", f.earliest_restorable_ms},
                   {"created_at_ms", f.created_at_ms},
                   {"pruned", ToJson(f.pruned)}});
}

std::string Serialize(const CatalogLease& l) {
  json doc{{"format_version", l.format_version}, {"kind", kLeaseKind},
           {"lease_id", l.lease_id},             {"lease_kind", l.kind},
           {"holder", l.holder},                 {"reads_from_ms", l.reads_from_ms},
           {"acquired_at_ms", l.acquired_at_ms}, {"expires_at_ms", l.expires_at_ms}};
  if (!l.group.empty()) {
    doc["group"] = l.group;
    doc["member_id"] = l.member_id;
    doc["partitions"] = l.partitions;
  }
  return Dump(doc);
}

Result<CatalogCommit> ParseCatalogCommit(const std::string& text) {
  return ParseJsonDocument<CatalogCommit>(text, "catalog commit", kCatalogFormatVersion);
}
Result<CatalogCheckpoint> ParseCatalogCheckpoint(const std::string& text) {
  return ParseJsonDocument<CatalogCheckpoint>(text, "catalog checkpoint", kCatalogFormatVersion);
}
Result<CatalogRun> ParseCatalogRun(const std::string& text) {
  return ParseJsonDocument<CatalogRun>(text, "catalog run", kCatalogFormatVersion);
}
Result<CatalogTopicAdded> ParseCatalogTopicAdded(const std::string& text) {
  return ParseJsonDocument<CatalogTopicAdded>(text, "catalog topic", kCatalogFormatVersion);
}
Result<CatalogRunEnd> ParseCatalogRunEnd(const std::string& text) {
  return ParseJsonDocument<CatalogRunEnd>(text, "catalog run end", kCatalogFormatVersion);
}

Result<CatalogFloor> ParseCatalogFloor(const std::string& text) {
  return ParseJsonDocument<CatalogFloor>(text, "catalog floor", kCatalogFormatVersion);
}
Result<CatalogLease> ParseCatalogLease(const std::string& text) {
  return ParseJsonDocument<CatalogLease>(text, "lease", kCatalogFormatVersion);
}

}  // namespace kb::format
