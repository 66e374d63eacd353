// RetryPolicy: the one retry loop shared by S3 requests and Kafka admin calls.
// Exponential backoff with full jitter, bounded by attempts and by an overall deadline.
// Only errors flagged `retryable` are retried.
#pragma once

#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include "core/error.h"
#include "core/stop.h"

namespace kb {

struct RetryPolicy {
  int max_attempts = 5;                                // total tries, first included
  std::chrono::milliseconds initial_backoff{100};      // before the 2nd try
  std::chrono::milliseconds max_backoff{5000};         // cap per wait
  std::chrono::milliseconds deadline{60000};           // all tries together

  // Runs fn until it succeeds, fails with a non-retryable error, or the budget runs out.
  template <typename T>
  Result<T> Run(const std::function<Result<T>()>& fn) const {
    auto start = std::chrono::steady_clock::now();
    thread_local std::mt19937_64 rng{std::random_device{}()};
    auto backoff = initial_backoff;
    for (int attempt = 1;; ++attempt) {
      Result<T> r = fn();
      if (r || !r.error().retryable || attempt >= max_attempts || StopRequested()) return r;
      std::uniform_int_distribution<long> jitter(0, backoff.count());
      auto wait = std::chrono::milliseconds(jitter(rng));
      if (std::chrono::steady_clock::now() + wait - start > deadline) return r;
      std::this_thread::sleep_for(wait);
      backoff = std::min(max_backoff, backoff * 2);
    }
  }
};

}  // namespace kb
