// Capturing consumer-group offsets from a cluster: what a backup stores (catalog/documents.h) so
// that a restore to T can use the group positions as of T, and what an offset snapshot records.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/offset_docs.h"
#include "kafka/admin_client.h"

namespace kb::offsets {

using format::GroupOffsets;
using format::OffsetCapture;

// Reads the committed offsets of `groups` (empty = every consumer group of the cluster),
// keeping only partitions of `topics` (empty = all topics). Groups without offsets on those
// topics are left out when `groups` was empty, kept (with no offsets) when named. `skip_group`
// (a scale-out backup's own group, whose offsets are the backup's position, not an
// application's) is never captured.
Result<OffsetCapture> CaptureGroupOffsets(kafka::AdminClient& admin, const std::vector<std::string>& groups,
                                          const std::set<std::string>& topics, const std::string& skip_group = "");

}  // namespace kb::offsets
