#include "cli/manifest_json.h"

#include <algorithm>

#include "core/time_util.h"

namespace kb::cli {

using nlohmann::json;

ManifestTotals Totals(const format::Manifest& m) {
  ManifestTotals t;
  for (const auto& topic : m.topics) {
    for (const auto& p : topic.partitions) {
      t.partitions++;
      t.earliest_restorable_ms = std::max(t.earliest_restorable_ms, p.earliest_restorable_ms);
      t.gaps += p.gaps.size();
      for (const auto& g : p.gaps) t.gap_records += static_cast<uint64_t>(g.to_offset - g.from_offset + 1);
      for (const auto& s : p.segments) {
        t.segments++;
        t.records += s.record_count;
        t.raw_bytes += s.raw_bytes;
        t.stored_bytes += s.stored_bytes;
        t.min_timestamp = std::min(t.min_timestamp, s.min_timestamp);
        t.max_timestamp = std::max(t.max_timestamp, s.max_timestamp);
      }
    }
  }
  return t;
}

json ManifestSummaryJson(const format::Manifest& m) {
  auto t = Totals(m);
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

json ManifestDetailJson(const format::Manifest& m) {
  json j = ManifestSummaryJson(m);
  j["format_version"] = m.format_version;
  json topics = json::array();
  for (const auto& topic : m.topics) {
    json jt{{"name", topic.name}, {"partition_count", topic.partition_count},
            {"replication_factor", topic.replication_factor}, {"configs", topic.configs}, {"partitions", json::array()}};
    for (const auto& p : topic.partitions) {
      json jp{{"partition", p.partition}, {"next_offset", p.next_offset}, {"end_offset_at_start", p.end_offset_at_start},
              {"records", p.record_count()}, {"segments", json::array()}, {"gaps", json::array()}};
      jp["earliest_restorable"] =
          p.earliest_restorable_ms > 0 ? json(FormatTimestampMs(p.earliest_restorable_ms)) : json(nullptr);
      for (const auto& s : p.segments)
        jp["segments"].push_back({{"key", s.key}, {"first_offset", s.first_offset}, {"last_offset", s.last_offset},
                                  {"min_timestamp", s.min_timestamp}, {"max_timestamp", s.max_timestamp},
                                  {"records", s.record_count}, {"raw_bytes", s.raw_bytes},
                                  {"stored_bytes", s.stored_bytes}, {"crc32c", s.crc32c}, {"codec", s.codec}});
      for (const auto& g : p.gaps)
        jp["gaps"].push_back({{"from_offset", g.from_offset}, {"to_offset", g.to_offset}, {"reason", g.reason},
                              {"detected_at", FormatTimestampMs(g.detected_at_ms)}});
      jt["partitions"].push_back(std::move(jp));
    }
    topics.push_back(std::move(jt));
  }
  j["topics"] = topics;
  return j;
}

}  // namespace kb::cli
