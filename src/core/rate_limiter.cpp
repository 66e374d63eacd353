#include "core/rate_limiter.h"

#include <algorithm>
#include <thread>

#include "core/stop.h"

namespace kb {

RateLimiter::RateLimiter(int64_t records_per_sec, int64_t bytes_per_sec)
    : records_rate_(records_per_sec),
      bytes_rate_(bytes_per_sec),
      records_tokens_(static_cast<double>(std::max<int64_t>(records_per_sec, 0))),
      bytes_tokens_(static_cast<double>(std::max<int64_t>(bytes_per_sec, 0))),
      last_(std::chrono::steady_clock::now()) {}

void RateLimiter::RefillLocked() {
  auto now = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  if (records_rate_ > 0)
    records_tokens_ = std::min<double>(static_cast<double>(records_rate_), records_tokens_ + secs * records_rate_);
  if (bytes_rate_ > 0)
    bytes_tokens_ = std::min<double>(static_cast<double>(bytes_rate_), bytes_tokens_ + secs * bytes_rate_);
}

bool RateLimiter::Acquire(uint64_t records, uint64_t bytes) {
  if (unlimited()) return true;
  while (true) {
    double wait_s = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      RefillLocked();
      bool records_ok = records_rate_ <= 0 || records_tokens_ >= std::min<double>(records, records_rate_);
      bool bytes_ok = bytes_rate_ <= 0 || bytes_tokens_ >= std::min<double>(bytes, bytes_rate_);
      if (records_ok && bytes_ok) {
        if (records_rate_ > 0) records_tokens_ -= static_cast<double>(records);
        if (bytes_rate_ > 0) bytes_tokens_ -= static_cast<double>(bytes);
        return true;
      }
      if (!records_ok) wait_s = std::max(wait_s, (std::min<double>(records, records_rate_) - records_tokens_) / records_rate_);
      if (!bytes_ok) wait_s = std::max(wait_s, (std::min<double>(bytes, bytes_rate_) - bytes_tokens_) / bytes_rate_);
    }
    if (StopRequested()) return false;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait_s, 0.1)) + std::chrono::microseconds(50));
  }
}

}  // namespace kb
