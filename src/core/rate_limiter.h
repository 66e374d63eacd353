// RateLimiter: one token bucket for records/s and one for bytes/s, shared by every worker of a
// backup or restore, so the limits are a global budget. A limit of 0 means unlimited. The burst is one
// second of budget; a request larger than that is let through when the bucket is not in debt
// and then paid back (the average rate still holds).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace kb {

class RateLimiter {
 public:
  RateLimiter(int64_t records_per_sec, int64_t bytes_per_sec);
  // Waits until the budget allows `records` and `bytes`. Returns false when the stop flag was
  // raised while waiting (nothing taken).
  bool Acquire(uint64_t records, uint64_t bytes);
  bool unlimited() const { return records_rate_ <= 0 && bytes_rate_ <= 0; }

 private:
  void RefillLocked();
  int64_t records_rate_, bytes_rate_;
  double records_tokens_, bytes_tokens_;
  std::chrono::steady_clock::time_point last_;
  std::mutex mu_;
};

}  // namespace kb
