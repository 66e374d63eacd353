#include "format/reset_strategy.h"

namespace kb::format {

const char* ResetStrategyName(ResetStrategy s) {
  switch (s) {
    case ResetStrategy::kSkip: return "skip";
    case ResetStrategy::kHeaderBased: return "header-based";
    case ResetStrategy::kTimestampBased: return "timestamp-based";
    case ResetStrategy::kClusterScan: return "cluster-scan";
    case ResetStrategy::kManual: return "manual";
  }
  return "?";
}

const std::vector<std::string>& ResetStrategyNames() {
  static const std::vector<std::string> names = {"skip", "header-based", "timestamp-based", "cluster-scan", "manual"};
  return names;
}

Result<ResetStrategy> ParseResetStrategy(const std::string& name) {
  for (auto s : {ResetStrategy::kSkip, ResetStrategy::kHeaderBased, ResetStrategy::kTimestampBased,
                 ResetStrategy::kClusterScan, ResetStrategy::kManual})
    if (name == ResetStrategyName(s)) return s;
  return Fail(ErrorCode::kInvalidArgument, "unknown offset reset strategy '" + name +
                                               "': use skip, header-based, timestamp-based, cluster-scan or manual");
}

}  // namespace kb::format
