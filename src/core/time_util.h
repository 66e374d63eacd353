// Time parsing and formatting for PITR bounds and reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kb {

// Accepts epoch milliseconds ("1732443330123") or ISO-8601 with optional fraction and zone
// ("2026-11-24T10:15:30.123Z", "2026-11-24T12:15:30+02:00", "2026-11-24 10:15:30").
// A string without a zone is taken as UTC.
Result<int64_t> ParseTimestampMs(std::string_view text);

// "2026-11-24T10:15:30.123Z"
std::string FormatTimestampMs(int64_t ms);
// The same instant without separators, for ids and object keys: "20261124T101530123Z".
std::string CompactTimestampMs(int64_t ms);

int64_t NowMs();

// A positive duration: "7d", "12h", "30m", "45s", "1500ms", or a sum such as "1d12h". kInvalidArgument
// naming the accepted forms otherwise.
Result<int64_t> ParseDurationMs(std::string_view text);
// "7d", "1d12h", "90s", "1500ms": the shortest such spelling of `ms`.
std::string FormatDurationMs(int64_t ms);

}  // namespace kb
