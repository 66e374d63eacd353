#include "format/restore_docs.h"

#include "format/json_reader.h"

namespace kb::format {

using nlohmann::json;

// Defined with the offset mapping.
void ReadJson(JsonReader& r, const json& v, const std::string& w, MappingRange* m);
json ToJson(const std::vector<MappingRange>& ranges);

namespace {

json OptionalMs(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

std::string Serialize(const RestoreProgress& p) {
  json parts = json::array();
  for (const auto& s : p.partitions) {
    parts.push_back({{"source_topic", s.source_topic}, {"source_partition", s.source_partition},
                     {"target_topic", s.target_topic}, {"target_partition", s.target_partition},
                     {"next_source_offset", s.next_source_offset}, {"target_end_offset", s.target_end_offset},
                     {"records", s.records}, {"bytes", s.bytes}, {"first_source_offset", s.first_source_offset},
                     {"last_source_offset", s.last_source_offset}, {"done", s.done}, {"ranges", ToJson(s.ranges)}});
    if (!s.target_error.empty()) parts.back()["target_error"] = s.target_error;
  }
  json doc{{"format_version", p.format_version}, {"restore_id", p.restore_id}, {"backup_id", p.backup_id},
           {"fingerprint", p.fingerprint},       {"created_at_ms", p.created_at_ms}, {"updated_at_ms", p.updated_at_ms},
           {"partitions", std::move(parts)}};
  return doc.dump();
}

json ToJson(const RestoreReport& r) {
  json parts = json::array();
  for (const auto& p : r.partitions)
    parts.push_back({{"source_topic", p.source_topic}, {"source_partition", p.source_partition},
                     {"target_topic", p.target_topic}, {"target_partition", p.target_partition},
                     {"records", p.records}, {"bytes", p.bytes}, {"first_source_offset", p.first_source_offset},
                     {"last_source_offset", p.last_source_offset}, {"next_source_offset", p.next_source_offset},
                     {"target_end_offset", p.target_end_offset}, {"status", p.status}, {"error", p.error}});
  json doc{{"format_version", r.format_version},
           {"restore_id", r.restore_id},
           {"backup_id", r.backup_id},
           {"target", r.target},
           {"time_window_start", OptionalMs(r.time_window_start)},
           {"time_window_end", OptionalMs(r.time_window_end)},
           {"complete", r.complete},
           {"status", r.status},
           {"resumed", r.resumed},
           {"records", r.records},
           {"bytes", r.bytes},
           {"records_this_run", r.records_this_run},
           {"bytes_this_run", r.bytes_this_run},
           {"bytes_read_from_storage", r.bytes_read_from_storage},
           {"backup_stored_bytes", r.backup_stored_bytes},
           {"seconds", r.seconds},
           {"mb_per_second", r.mb_per_second},
           {"started_at_ms", r.started_at_ms},
           {"finished_at_ms", r.finished_at_ms},
           {"partitions_total", r.partitions_total},
           {"partitions_complete", r.partitions_complete},
           {"errors", r.errors},
           {"consumer_group_strategy", r.consumer_group_strategy},
           {"snapshot_id", r.snapshot_id},
           {"fingerprint", r.fingerprint},
           {"part", r.part},
           {"parts", r.parts},
           {"partitions", std::move(parts)}};
  if (!r.part_restores.empty()) doc["part_restores"] = r.part_restores;
  return doc;
}

std::string Serialize(const RestoreReport& r) { return ToJson(r).dump(1); }

void ReadJson(JsonReader& r, const json& v, const std::string& w, RestorePartitionProgress* p) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "source_topic", &p->source_topic);
  r.Get(v, w, "source_partition", &p->source_partition);
  r.Get(v, w, "target_topic", &p->target_topic);
  r.Get(v, w, "target_partition", &p->target_partition);
  r.Get(v, w, "next_source_offset", &p->next_source_offset);
  r.Get(v, w, "target_end_offset", &p->target_end_offset);
  r.Get(v, w, "records", &p->records);
  r.Get(v, w, "bytes", &p->bytes);
  r.Get(v, w, "first_source_offset", &p->first_source_offset);
  r.Get(v, w, "last_source_offset", &p->last_source_offset);
  r.Get(v, w, "done", &p->done);
  r.Get(v, w, "ranges", &p->ranges);
  r.GetOptional(v, w, "target_error", &p->target_error);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, RestoreProgress* p) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "format_version", &p->format_version);
  r.Get(v, w, "restore_id", &p->restore_id);
  r.Get(v, w, "backup_id", &p->backup_id);
  r.Get(v, w, "fingerprint", &p->fingerprint);
  r.Get(v, w, "created_at_ms", &p->created_at_ms);
  r.Get(v, w, "updated_at_ms", &p->updated_at_ms);
  r.Get(v, w, "partitions", &p->partitions);
}

// A report's figures are optional: reports of merged parallel restores and of earlier versions
// carry fewer of them. What decides a resume or a merge is required.
void ReadJson(JsonReader& r, const json& v, const std::string& w, RestoreReportPartition* p) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "source_topic", &p->source_topic);
  r.Get(v, w, "source_partition", &p->source_partition);
  r.Get(v, w, "target_topic", &p->target_topic);
  r.Get(v, w, "target_partition", &p->target_partition);
  r.GetOptional(v, w, "records", &p->records);
  r.GetOptional(v, w, "bytes", &p->bytes);
  r.GetOptional(v, w, "first_source_offset", &p->first_source_offset);
  r.GetOptional(v, w, "last_source_offset", &p->last_source_offset);
  r.GetOptional(v, w, "next_source_offset", &p->next_source_offset);
  r.GetOptional(v, w, "target_end_offset", &p->target_end_offset);
  r.GetOptional(v, w, "status", &p->status);
  r.GetOptional(v, w, "error", &p->error);
}

void ReadJson(JsonReader& r, const json& v, const std::string& w, RestoreReport* p) {
  if (!r.ExpectObject(v, w)) return;
  r.Get(v, w, "format_version", &p->format_version);
  r.Get(v, w, "restore_id", &p->restore_id);
  r.Get(v, w, "backup_id", &p->backup_id);
  r.Get(v, w, "complete", &p->complete);
  r.GetOptional(v, w, "target", &p->target);
  r.GetOptional(v, w, "time_window_start", &p->time_window_start);
  r.GetOptional(v, w, "time_window_end", &p->time_window_end);
  r.GetOptional(v, w, "status", &p->status);
  r.GetOptional(v, w, "resumed", &p->resumed);
  r.GetOptional(v, w, "records", &p->records);
  r.GetOptional(v, w, "bytes", &p->bytes);
  r.GetOptional(v, w, "records_this_run", &p->records_this_run);
  r.GetOptional(v, w, "bytes_this_run", &p->bytes_this_run);
  r.GetOptional(v, w, "bytes_read_from_storage", &p->bytes_read_from_storage);
  r.GetOptional(v, w, "backup_stored_bytes", &p->backup_stored_bytes);
  r.GetOptional(v, w, "seconds", &p->seconds);
  r.GetOptional(v, w, "mb_per_second", &p->mb_per_second);
  r.GetOptional(v, w, "started_at_ms", &p->started_at_ms);
  r.GetOptional(v, w, "finished_at_ms", &p->finished_at_ms);
  r.GetOptional(v, w, "partitions_total", &p->partitions_total);
  r.GetOptional(v, w, "partitions_complete", &p->partitions_complete);
  r.GetOptional(v, w, "errors", &p->errors);
  r.GetOptional(v, w, "consumer_group_strategy", &p->consumer_group_strategy);
  r.GetOptional(v, w, "snapshot_id", &p->snapshot_id);
  r.GetOptional(v, w, "fingerprint", &p->fingerprint);
  r.GetOptional(v, w, "part", &p->part);
  r.GetOptional(v, w, "parts", &p->parts);
  r.GetOptional(v, w, "part_restores", &p->part_restores);
  r.GetOptional(v, w, "partitions", &p->partitions);
}

Result<RestoreProgress> ParseRestoreProgress(const std::string& text, const std::string& key) {
  return ParseJsonDocument<RestoreProgress>(text, "restore progress " + key, kRestoreDocsFormatVersion);
}

Result<RestoreReport> ParseRestoreReport(const std::string& text, const std::string& key) {
  return ParseJsonDocument<RestoreReport>(text, "restore report " + key, kRestoreDocsFormatVersion);
}

}  // namespace kb::format
