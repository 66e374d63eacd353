// How consumer-group offsets are moved after a restore, as the config names it
// (restore.consumer_group_strategy) and the restore report stores it. docs/OFFSETS.md describes each.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace kb::format {

enum class ResetStrategy { kSkip, kHeaderBased, kTimestampBased, kClusterScan, kManual };
const char* ResetStrategyName(ResetStrategy s);  // "skip", "header-based", ...
// Every name, in the order the docs list them.
const std::vector<std::string>& ResetStrategyNames();
// The inverse of ResetStrategyName; kInvalidArgument listing the valid names otherwise.
Result<ResetStrategy> ParseResetStrategy(const std::string& name);

}  // namespace kb::format
