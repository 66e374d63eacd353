// RateLimiter: one shared budget for all restore workers.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/stop.h"
#include "core/rate_limiter.h"

namespace kb {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsFor(RateLimiter& limiter, int threads, int per_thread, uint64_t bytes_each) {
  auto start = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) EXPECT_TRUE(limiter.Acquire(1, bytes_each));
    });
  for (auto& t : ts) t.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(RestoreRateLimiterTest, UnlimitedNeverWaits) {
  RateLimiter limiter(0, 0);
  EXPECT_TRUE(limiter.unlimited());
  EXPECT_LT(SecondsFor(limiter, 2, 100000, 100), 1.0);
}

TEST(RestoreRateLimiterTest, RecordBudgetIsSharedByAllThreads) {
  // 1000 records/s with a 1 s burst: 4 threads x 500 records = 2000 records need about 1 s.
  RateLimiter limiter(1000, 0);
  double s = SecondsFor(limiter, 4, 500, 10);
  EXPECT_GT(s, 0.8);
  EXPECT_LT(s, 2.5);
}

TEST(RestoreRateLimiterTest, ByteBudgetLimitsToo) {
  // 100 KB/s, 1 KB records: 300 records = 300 KB need about 2 s after the 100 KB burst.
  RateLimiter limiter(0, 100 * 1024);
  double s = SecondsFor(limiter, 2, 150, 1024);
  EXPECT_GT(s, 1.6);
  EXPECT_LT(s, 3.5);
}

TEST(RestoreRateLimiterTest, StopReleasesWaiters) {
  ResetStopForTests();
  RateLimiter limiter(1, 0);
  EXPECT_TRUE(limiter.Acquire(1, 0));
  std::thread stopper([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    RequestStop();
  });
  auto start = Clock::now();
  bool got = limiter.Acquire(1, 0);  // the next token is ~1 s away; the stop comes after 0.1 s
  stopper.join();
  EXPECT_FALSE(got);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 0.6);
  ResetStopForTests();
}

}  // namespace
}  // namespace kb
