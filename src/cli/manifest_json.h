// JSON views of a manifest for reports (list, describe, status).
#pragma once

#include <nlohmann/json.hpp>

#include "format/manifest.h"

namespace kb::cli {

struct ManifestTotals {
  uint64_t partitions = 0, segments = 0, records = 0, raw_bytes = 0, stored_bytes = 0, gaps = 0, gap_records = 0;
  int64_t min_timestamp = INT64_MAX, max_timestamp = INT64_MIN;
  int64_t earliest_restorable_ms = 0;  // the latest of the partitions' (0 = nothing pruned)
};
ManifestTotals Totals(const format::Manifest& m);

// Summary row: id, status, mode, topics, totals, time range.
nlohmann::json ManifestSummaryJson(const format::Manifest& m);
// Everything: per topic configs, per partition segments and gaps.
nlohmann::json ManifestDetailJson(const format::Manifest& m);

}  // namespace kb::cli
