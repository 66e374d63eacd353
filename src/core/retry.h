// RetryPolicy: the one retry loop of the program, shared by S3 requests and every Kafka call.
//
// Contract:
// - Only errors flagged `retryable` are retried; any other error, or success, returns at once.
// - Capped exponential backoff with jitter: the n-th wait is drawn from [b/2, b] where
//   b = min(max_backoff, initial_backoff * 2^(n-1)), so clients recovering together spread out.
// - Bounded by `max_attempts` (0 = no limit) and by `deadline` over all tries together; the last
//   try is made at the deadline rather than skipped.
// - Stop (SIGINT/SIGTERM): by default no retry starts once a stop is requested (the backoff wait
//   ends early). With `retry_after_stop`, retries go on until StopGraceDeadline(): the bounded
//   chance a final flush gets to store its data.
// - An error returned after retries says how long and how often it was tried, and which setting
//   bounds it (`deadline_name`), before the last error's own message.
// - `on_retry`, when given, runs after each failed try that will be retried (refresh metadata,
//   record an outage), with the error and the wait that follows.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/stop.h"

namespace kb {

struct RetryPolicy {
  using Clock = std::chrono::steady_clock;
  using OnRetry = std::function<void(const Error& error, int attempt, std::chrono::milliseconds wait)>;

  int max_attempts = 5;                                // total tries, first included; 0 = no limit
  std::chrono::milliseconds initial_backoff{100};      // before the 2nd try
  std::chrono::milliseconds max_backoff{5000};         // cap per wait
  std::chrono::milliseconds deadline{60000};           // all tries together
  bool retry_after_stop = false;                       // keep retrying until StopGraceDeadline()
  std::string deadline_name;                           // the setting behind `deadline`, for messages

  // For riding out outages: no attempt limit, `deadline` alone ends the retries, backoff
  // 200 ms doubling up to 5 s.
  static RetryPolicy UntilDeadline(std::chrono::milliseconds deadline, std::string deadline_name) {
    RetryPolicy p;
    p.max_attempts = 0;
    p.initial_backoff = std::chrono::milliseconds(200);
    p.max_backoff = std::chrono::milliseconds(5000);
    p.deadline = deadline;
    p.deadline_name = std::move(deadline_name);
    return p;
  }

  // When retries of a call that started at `start` must be over.
  Clock::time_point EndFor(Clock::time_point start) const {
    Clock::time_point end = start + deadline;
    if (StopRequested()) end = retry_after_stop ? std::min(end, StopGraceDeadline()) : start;
    return end;
  }

  // Runs fn until it succeeds, fails with a non-retryable error, or the budget runs out.
  template <typename T>
  Result<T> Run(const std::function<Result<T>()>& fn, const OnRetry& on_retry = {}) const {
    const auto start = Clock::now();
    thread_local std::mt19937_64 rng{std::random_device{}()};
    auto backoff = initial_backoff;
    for (int attempt = 1;; ++attempt) {
      Result<T> r = fn();
      if (r || !r.error().retryable) return r;
      const auto now = Clock::now();
      const auto end = EndFor(start);
      if ((max_attempts > 0 && attempt >= max_attempts) || now >= end) return GaveUp(std::move(r), attempt, start);
      std::uniform_int_distribution<long> jitter(backoff.count() / 2, backoff.count());
      auto wait = std::min(std::chrono::milliseconds(jitter(rng)),
                           std::chrono::duration_cast<std::chrono::milliseconds>(end - now));
      if (on_retry) on_retry(r.error(), attempt, wait);
      // A stop ends the wait early; the loop then decides (EndFor) whether one more try is due.
      if (!SleepUnlessStopped(wait) && retry_after_stop) SleepUntilOrGrace(now + wait);
      if (StopRequested() && Clock::now() >= EndFor(start)) return GaveUp(std::move(r), attempt, start);
      backoff = std::min(max_backoff, backoff * 2);
    }
  }

 private:
  // After a stop, a policy that keeps retrying still waits out its backoff (within the grace).
  static void SleepUntilOrGrace(Clock::time_point until) {
    auto end = std::min(until, StopGraceDeadline());
    while (Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  template <typename T>
  Result<T> GaveUp(Result<T> r, int attempts, Clock::time_point start) const {
    if (attempts <= 1) return r;
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    char head[160];
    std::snprintf(head, sizeof head, "still failing after %d tries over %.1f s", attempts, seconds);
    std::string why = head;
    if (StopRequested()) why += " (retries cut short by the stop request)";
    else if (!deadline_name.empty()) why += " (" + deadline_name + ")";
    return tl::unexpected(r.error().With(why));
  }
};

}  // namespace kb
