// JSON views of a backup for reports (list, describe, status).
#pragma once

#include <map>

#include <nlohmann/json.hpp>

#include "format/catalog_docs.h"
#include "format/manifest.h"
#include "kafka/types.h"

namespace kb::cli {

// What each partition holds (CatalogState::figures).
using PartitionFigures = std::map<kafka::TopicPartition, format::PartitionTotals>;

struct ManifestTotals {
  uint64_t partitions = 0, segments = 0, records = 0, raw_bytes = 0, stored_bytes = 0, gaps = 0, gap_records = 0;
  int64_t min_timestamp = INT64_MAX, max_timestamp = INT64_MIN;
  int64_t earliest_restorable_ms = 0;  // the latest of the partitions' (0 = nothing pruned)
};
ManifestTotals Totals(const format::Manifest& m, const PartitionFigures& figures);

// Summary row: id, status, mode, topics, totals, time range.
nlohmann::json ManifestSummaryJson(const format::Manifest& m, const PartitionFigures& figures);
// The summary, plus per topic its configs and per partition its figures; with `segments`, each
// partition's segments and gaps too (the view must then hold them: CatalogDepth::kFull).
nlohmann::json ManifestDetailJson(const format::Manifest& m, const PartitionFigures& figures, bool segments);

}  // namespace kb::cli
