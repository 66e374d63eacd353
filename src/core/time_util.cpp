#include "core/time_util.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace kb {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

Result<int64_t> ParseTimestampMs(std::string_view text) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                "invalid timestamp '" + std::string(text) +
                    "': expected epoch milliseconds or ISO-8601 like 2026-11-24T10:15:30.123Z");
  };
  if (AllDigits(text)) {
    if (text.size() > 18) return bad();
    return static_cast<int64_t>(std::stoll(std::string(text)));
  }
  int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
  std::string t(text);
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return bad();
  size_t pos = 10;
  int64_t frac_ms = 0;
  int64_t zone_s = 0;
  if (pos < t.size()) {
    if (t[pos] != 'T' && t[pos] != ' ') return bad();
    ++pos;
    int m = 0;
    if (std::sscanf(t.c_str() + pos, "%2d:%2d:%2d%n", &h, &mi, &s, &m) != 3 || m != 8) return bad();
    pos += 8;
    if (pos < t.size() && t[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
        if (digits < 3) frac_ms = frac_ms * 10 + (t[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return bad();
      for (int i = digits; i < 3; ++i) frac_ms *= 10;
    }
    if (pos < t.size()) {
      if (t[pos] == 'Z' && pos + 1 == t.size()) {
        pos++;
      } else if ((t[pos] == '+' || t[pos] == '-') && t.size() - pos == 6 && t[pos + 3] == ':') {
        int zh = 0, zm = 0;
        if (std::sscanf(t.c_str() + pos + 1, "%2d:%2d", &zh, &zm) != 2) return bad();
        zone_s = (zh * 3600 + zm * 60) * (t[pos] == '+' ? 1 : -1);
        pos = t.size();
      } else {
        return bad();
      }
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad();
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - zone_s;
  return secs * 1000 + frac_ms;
}

std::string FormatTimestampMs(int64_t ms) {
  if (ms < 0) return std::to_string(ms);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string CompactTimestampMs(int64_t ms) {
  std::string s = FormatTimestampMs(ms);
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '-' || c == ':' || c == '.'; }), s.end());
  return s;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kb

namespace kb {

Result<int64_t> ParseDurationMs(std::string_view text) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument, "'" + std::string(text) +
                                                 "' is not a duration: write a number and a unit, d, h, m, s or ms " +
                                                 "(for example 7d, 12h, 30m or 1d12h)");
  };
  if (text.empty()) return bad();
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == i || digits - i > 12) return bad();
    int64_t n = std::stoll(std::string(text.substr(i, digits - i)));
    size_t unit_end = digits;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    std::string_view unit = text.substr(digits, unit_end - digits);
    int64_t scale = unit == "d" ? 86400000 : unit == "h" ? 3600000 : unit == "m" ? 60000 : unit == "s" ? 1000
                  : unit == "ms" ? 1 : 0;
    if (scale == 0) return bad();
    total += n * scale;
    i = unit_end;
  }
  if (total <= 0) return bad();
  return total;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms <= 0) return "0s";
  std::string out;
  for (auto [scale, unit] : {std::pair<int64_t, const char*>{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"},
                             {1, "ms"}}) {
    if (ms >= scale) {
      out += std::to_string(ms / scale) + unit;
      ms %= scale;
    }
  }
  return out;
}

}  // namespace kb
