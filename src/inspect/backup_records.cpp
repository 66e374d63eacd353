#include "inspect/backup_records.h"

#include <regex.h>

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalog_reader.h"
#include "core/stop.h"

namespace kb {
namespace {

// A compiled POSIX extended regex, searched in arbitrary bytes (NULs included: REG_STARTEND).
class ValueRegex {
 public:
  static Result<std::unique_ptr<ValueRegex>> Compile(const std::string& pattern) {
    auto re = std::unique_ptr<ValueRegex>(new ValueRegex);
    if (int rc = regcomp(&re->re_, pattern.c_str(), REG_EXTENDED | REG_NOSUB); rc != 0) {
      char why[256];
      regerror(rc, &re->re_, why, sizeof why);
      return Fail(ErrorCode::kInvalidArgument, "--grep '" + pattern + "' is not a valid extended regular expression: " + why);
    }
    re->compiled_ = true;
    return re;
  }
  ~ValueRegex() {
    if (compiled_) regfree(&re_);
  }
  bool Matches(std::string_view text) const {
    regmatch_t range{0, static_cast<regoff_t>(text.size())};
    return regexec(&re_, text.data(), 1, &range, REG_STARTEND) == 0;
  }

 private:
  ValueRegex() = default;
  regex_t re_{};
  bool compiled_ = false;
};

std::string Names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

struct Selected {
  const std::string* topic;
  const format::PartitionManifest* partition;
};

Result<std::vector<Selected>> SelectPartitions(const format::Manifest& m, const RecordFilter& filter) {
  std::vector<Selected> out;
  std::vector<std::string> topics;
  for (const auto& t : m.topics) topics.push_back(t.name);
  if (!filter.topic.empty() && !m.FindTopic(filter.topic))
    return Fail(ErrorCode::kNotFound,
                "backup '" + m.backup_id + "' has no topic '" + filter.topic + "' (its topics: " + Names(topics) + ")");
  for (const auto& t : m.topics) {
    if (!filter.topic.empty() && t.name != filter.topic) continue;
    for (const auto& p : t.partitions)
      if (!filter.partition || p.partition == *filter.partition) out.push_back({&t.name, &p});
  }
  if (filter.partition && out.empty()) {
    std::vector<std::string> parts;
    for (const auto& t : m.topics) {
      if (!filter.topic.empty() && t.name != filter.topic) continue;
      for (const auto& p : t.partitions) parts.push_back(t.name + "/" + std::to_string(p.partition));
    }
    return Fail(ErrorCode::kNotFound, "backup '" + m.backup_id + "' has no partition " +
                                          std::to_string(*filter.partition) +
                                          (filter.topic.empty() ? "" : " of topic '" + filter.topic + "'") +
                                          " (it has: " + Names(parts) + ")");
  }
  return out;
}

}  // namespace

Result<RecordScanStats> StreamBackupRecords(ObjectStore& store, const std::string& backup_id,
                                            const RecordFilter& filter, const RecordSink& sink) {
  std::unique_ptr<ValueRegex> grep;
  if (!filter.grep.empty()) {
    KB_ASSIGN_OR_RETURN(grep, ValueRegex::Compile(filter.grep));
  }
  KB_ASSIGN_OR_RETURN(const format::Manifest manifest, LoadManifest(store, backup_id));
  const uint64_t read_before = store.bytes_read();  // segment bytes only: the catalog is not data
  KB_ASSIGN_OR_RETURN(const auto selected, SelectPartitions(manifest, filter));

  RecordScanStats stats;
  auto matches = [&](const Record& r) {
    if (filter.key && r.key != filter.key) return false;
    if (grep && (!r.value || !grep->Matches(*r.value))) return false;
    return true;
  };
  // Nothing is fetched ahead when a limit may end the scan before it is used.
  const WindowScanOptions options{.prefetch = filter.limit == 0};
  bool done = false;
  for (const auto& [topic, pm] : selected) {
    if (done) break;
    stats.partitions++;
    WindowScan scan(store, pm->segments, filter.window, options);
    while (!done) {
      if (StopRequested()) return Fail(ErrorCode::kCancelled, "interrupted");
      auto piece = scan.Next();
      if (!piece)
        return Fail(piece.error().With("topic=" + *topic + " partition=" + std::to_string(pm->partition)));
      if (!*piece) break;
      for (const Record& r : (*piece)->records) {
        stats.records_in_window++;
        if (!matches(r)) continue;
        stats.records_matched++;
        if (!sink(*topic, pm->partition, r)) {
          stats.stopped_by_sink = true;
          done = true;
          break;
        }
        if (filter.limit && stats.records_matched >= filter.limit) {
          done = true;
          break;
        }
      }
      scan.Reuse(std::move((*piece)->records));
    }
    stats.blocks_read += scan.blocks_read();
  }
  stats.bytes_read = store.bytes_read() - read_before;
  return stats;
}

}  // namespace kb
