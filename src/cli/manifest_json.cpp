#include "cli/manifest_json.h"

#include <algorithm>

#include "core/time_util.h"

namespace kb::cli {

using nlohmann::json;

namespace {
const format::PartitionTotals kNone;
const format::PartitionTotals& FiguresOf(const PartitionFigures& figures, const std::string& topic, int32_t p) {
  auto it = figures.find({topic, p});
  return it == figures.end() ? kNone : it->second;
}
}  // namespace

ManifestTotals Totals(const format::Manifest& m, const PartitionFigures& figures) {
  ManifestTotals t;
  for (const auto& topic : m.topics) {
    for (const auto& p : topic.partitions) {
      t.partitions++;
      t.earliest_restorable_ms = std::max(t.earliest_restorable_ms, p.earliest_restorable_ms);
      const auto& f = FiguresOf(figures, topic.name, p.partition);
      t.gaps += f.gaps;
      t.gap_records += f.gap_records;
      t.segments += f.segments;
      t.records += f.records;
      t.raw_bytes += f.raw_bytes;
      t.stored_bytes += f.stored_bytes;
      if (f.records == 0) continue;
      t.min_timestamp = std::min(t.min_timestamp, f.min_timestamp);
      t.max_timestamp = std::max(t.max_timestamp, f.max_timestamp);
    }
  }
  return t;
}

json ManifestSummaryJson(const format::Manifest& m, const PartitionFigures& figures) {
  auto t = Totals(m, figures);
  json topics = json::array();
  for (const auto& topic : m.topics) topics.push_back(topic.name);
  json j{{"backup_id", m.backup_id}, {"status", m.status}, {"mode", m.mode}, {"compression", m.compression},
         {"cluster_id", m.cluster_id}, {"created_at", FormatTimestampMs(m.created_at_ms)},
         {"updated_at", FormatTimestampMs(m.updated_at_ms)}, {"topics", topics}, {"partitions", t.partitions},
         {"segments", t.segments}, {"records", t.records}, {"raw_bytes", t.raw_bytes},
         {"stored_bytes", t.stored_bytes}, {"gaps", t.gaps}, {"gap_records", t.gap_records}};
  j["min_timestamp"] = t.records ? json(t.min_timestamp) : json(nullptr);
  j["earliest_restorable"] = t.earliest_restorable_ms > 0 ? json(FormatTimestampMs(t.earliest_restorable_ms)) : json(nullptr);
  j["max_timestamp"] = t.records ? json(t.max_timestamp) : json(nullptr);
  return j;
}

json ManifestDetailJson(const format::Manifest& m, const PartitionFigures& figures, bool segments) {
  json j = ManifestSummaryJson(m, figures);
  j["format_version"] = m.format_version;
  json topics = json::array();
  for (const auto& topic : m.topics) {
    json jt{{"name", topic.name}, {"partition_count", topic.partition_count},
            {"replication_factor", topic.replication_factor}, {"configs", topic.configs}, {"partitions", json::array()}};
    for (const auto& p : topic.partitions) {
      const auto& f = FiguresOf(figures, topic.name, p.partition);
      json jp{{"partition", p.partition}, {"next_offset", p.next_offset}, {"end_offset_at_start", p.end_offset_at_start},
              {"records", f.records}, {"segment_count", f.segments}, {"gap_count", f.gaps},
              {"gap_records", f.gap_records}, {"raw_bytes", f.raw_bytes}, {"stored_bytes", f.stored_bytes}};
      jp["min_timestamp"] = f.records ? json(f.min_timestamp) : json(nullptr);
      jp["max_timestamp"] = f.records ? json(f.max_timestamp) : json(nullptr);
      jp["earliest_restorable"] =
          p.earliest_restorable_ms > 0 ? json(FormatTimestampMs(p.earliest_restorable_ms)) : json(nullptr);
      if (segments) {
        jp["segments"] = json::array();
        jp["gaps"] = json::array();
        for (const auto& s : p.segments)
          jp["segments"].push_back({{"key", s.key}, {"first_offset", s.first_offset}, {"last_offset", s.last_offset},
                                    {"min_timestamp", s.min_timestamp}, {"max_timestamp", s.max_timestamp},
                                    {"records", s.record_count}, {"raw_bytes", s.raw_bytes},
                                    {"stored_bytes", s.stored_bytes}, {"crc32c", s.crc32c}, {"codec", s.codec}});
        for (const auto& g : p.gaps)
          jp["gaps"].push_back({{"from_offset", g.from_offset}, {"to_offset", g.to_offset}, {"reason", g.reason},
                                {"detected_at", FormatTimestampMs(g.detected_at_ms)}});
      }
      jt["partitions"].push_back(std::move(jp));
    }
    topics.push_back(std::move(jt));
  }
  j["topics"] = topics;
  return j;
}

}  // namespace kb::cli
