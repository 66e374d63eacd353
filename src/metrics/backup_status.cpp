#include "metrics/backup_status.h"

#include <nlohmann/json.hpp>

namespace kb::metrics {

namespace {

// Label values escape backslash, double quote and newline (exposition format rules).
std::string LabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

class Exposition {
 public:
  explicit Exposition(const BackupStatus& s) : labels_("{backup_id=\"" + LabelValue(s.backup_id) + "\"}") {}
  template <typename T>
  void Add(const char* name, const char* type, const char* help, T value) {
    text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + labels_ +
             " " + std::to_string(value) + "\n";
  }
  // One gauge line of value 1 per item, each with its own extra labels (`"topic=\"t\",..."`).
  void AddInfo(const char* name, const char* help, const std::vector<std::string>& extra_labels) {
    if (extra_labels.empty()) return;
    text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n";
    for (const auto& extra : extra_labels)
      text_ += name + labels_.substr(0, labels_.size() - 1) + "," + extra + "} 1\n";
  }
  std::string text() const { return text_; }

 private:
  std::string labels_;
  std::string text_;
};

// The one rule behind both renderings: nothing has failed, the cluster answers, storage takes writes.
bool Healthy(const BackupStatus& s) { return s.errors.empty() && s.cluster_error.empty() && !s.storage.retrying; }

}  // namespace

std::string RenderPrometheus(const BackupStatus& s) {
  Exposition e(s);
  e.Add("kafka_backup_records_total", "counter", "Records read from Kafka and backed up.", s.records);
  e.Add("kafka_backup_bytes_total", "counter", "Raw bytes of the records backed up.", s.bytes);
  e.Add("kafka_backup_stored_bytes_total", "counter", "Segment bytes written to storage (after compression).",
        s.stored_bytes);
  e.Add("kafka_backup_segments_total", "counter", "Segments stored.", s.segments);
  e.Add("kafka_backup_gaps_total", "counter", "Offset ranges deleted before they could be read.", s.gaps);
  e.Add("kafka_backup_gap_records_total", "counter", "Offsets lost to gaps.", s.gap_records);
  e.Add("kafka_backup_offset_captures_total", "counter", "Consumer-group offset captures stored.", s.offset_captures);
  e.Add("kafka_backup_catalog_commits_total", "counter", "Catalog commits (segments, gaps, positions) written.",
        s.catalog_commits);
  e.Add("kafka_backup_catalog_bytes_total", "counter", "Catalog metadata bytes written (commits, checkpoints, runs).",
        s.catalog_bytes);
  e.Add("kafka_backup_prune_passes_total", "counter", "Retention passes run (backup.retention).", s.prune_passes);
  e.Add("kafka_backup_prune_failures_total", "counter", "Retention passes that failed and wait for the next one.",
        s.prune_failures);
  e.Add("kafka_backup_pruned_objects_total", "counter", "Objects removed by retention.", s.pruned_objects);
  e.Add("kafka_backup_pruned_bytes_total", "counter", "Bytes removed by retention.", s.pruned_bytes);
  e.Add("kafka_backup_errors_total", "counter", "Failures that stop the backup.", s.errors.size());
  e.Add("kafka_backup_partitions", "gauge", "Partitions being backed up.", s.partitions);
  e.Add("kafka_backup_uptime_seconds", "gauge", "Seconds since the backup started.", s.uptime_seconds);
  e.Add("kafka_backup_last_segment_timestamp_seconds", "gauge",
        "Unix time of the last stored segment (0: none yet).", static_cast<double>(s.last_segment_ms) / 1000.0);
  e.Add("kafka_backup_last_offset_capture_timestamp_seconds", "gauge",
        "Unix time of the last stored consumer-group offset capture (0: none yet).",
        static_cast<double>(s.last_capture_ms) / 1000.0);
  e.Add("kafka_backup_cluster_reachable", "gauge", "1 when the last topic refresh reached Kafka.",
        s.cluster_error.empty() ? 1 : 0);
  e.Add("kafka_backup_storage_retrying", "gauge", "1 while storage fails and writes are being retried.",
        s.storage.retrying ? 1 : 0);
  e.Add("kafka_backup_storage_retrying_since_timestamp_seconds", "gauge",
        "Unix time the current storage outage began (0: none).",
        static_cast<double>(s.storage.since_ms) / 1000.0);
  e.Add("kafka_backup_storage_pending_writes", "gauge", "Storage writes started and not yet stored.",
        s.storage.pending_writes);
  e.Add("kafka_backup_storage_pending_bytes", "gauge", "Bytes of the storage writes not yet stored.",
        s.storage.pending_bytes);
  e.Add("kafka_backup_storage_retries_total", "counter", "Failed storage requests that were retried.",
        s.storage.retries_total);
  e.Add("kafka_backup_offset_captures_missed_total", "counter",
        "Consumer-group offset captures that failed (the backup goes on and tries again).", s.offset_captures_missed);
  e.Add("kafka_backup_healthy", "gauge", "1 when /health answers 200.", Healthy(s) ? 1 : 0);
  std::vector<std::string> assigned;
  for (const auto& tp : s.assigned) {
    auto slash = tp.rfind('/');
    assigned.push_back("group=\"" + LabelValue(s.group) + "\",topic=\"" + LabelValue(tp.substr(0, slash)) +
                       "\",partition=\"" + LabelValue(tp.substr(slash + 1)) + "\"");
  }
  e.AddInfo("kafka_backup_assigned_partition", "A partition the consumer group assigned this process (scale-out).",
            assigned);
  return e.text();
}

std::pair<int, std::string> RenderHealth(const BackupStatus& s, int64_t now_ms) {
  nlohmann::json problems = nlohmann::json::array();
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& e : s.errors) problems.push_back(e);
  if (!s.cluster_error.empty()) problems.push_back("cannot reach Kafka: " + s.cluster_error);
  if (s.storage.retrying)
    problems.push_back("storage failing, retrying " + std::to_string(s.storage.pending_writes) +
                       " pending write(s) (" + std::to_string(s.storage.pending_bytes) + " bytes): " + s.storage.last_error);
  if (!s.last_capture_error.empty())
    warnings.push_back("the last consumer-group offset capture failed (" + std::to_string(s.offset_captures_missed) +
                       " missed so far; trying again): " + s.last_capture_error);
  bool ok = Healthy(s);
  const char* status = ok ? "ok" : s.errors.empty() ? "degraded" : "failing";
  nlohmann::json body{{"status", status},
                      {"backup_id", s.backup_id},
                      {"mode", s.mode},
                      {"uptime_seconds", s.uptime_seconds},
                      {"records", s.records},
                      {"segments", s.segments},
                      {"partitions", s.partitions},
                      {"problems", problems},
                      {"warnings", warnings},
                      {"storage_pending_writes", s.storage.pending_writes},
                      {"offset_captures_missed", s.offset_captures_missed}};
  if (!s.group.empty()) {
    body["group"] = s.group;
    body["member_id"] = s.member_id;
    body["assigned"] = s.assigned;
  }
  if (s.last_segment_ms > 0 && now_ms > 0)
    body["seconds_since_last_segment"] = static_cast<double>(now_ms - s.last_segment_ms) / 1000.0;
  if (!s.cluster_error.empty() && now_ms > 0)
    body["seconds_cluster_unreachable"] = static_cast<double>(now_ms - s.cluster_error_since_ms) / 1000.0;
  if (s.storage.retrying && now_ms > 0) {
    body["storage_retrying_since_ms"] = s.storage.since_ms;
    body["seconds_storage_retrying"] = static_cast<double>(now_ms - s.storage.since_ms) / 1000.0;
  }
  return {ok ? 200 : 503, body.dump()};
}

}  // namespace kb::metrics
