// RetryPolicy: the one retry loop, its limits, its backoff and how a stop request ends it.
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/retry.h"
#include "core/stop.h"

namespace kb {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Error Transient() { return Error{ErrorCode::kUnavailable, "broker restarting", true, false}; }

TEST(RetryPolicy, RetriesRetryableErrorsUntilSuccess) {
  RetryPolicy p;
  p.initial_backoff = 1ms;
  int calls = 0;
  auto r = p.Run<int>([&]() -> Result<int> {
    if (++calls < 3) return Fail(Transient());
    return 7;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(calls, 3);
}

TEST(RetryPolicy, NeverRetriesAnErrorThatIsNotRetryable) {
  RetryPolicy p;
  int calls = 0;
  auto r = p.Run<void>([&]() -> Status {
    ++calls;
    return Fail(ErrorCode::kPermissionDenied, "wrong password");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.error().message, "wrong password") << "a single try keeps its message as it is";
}

TEST(RetryPolicy, UntilDeadlineIgnoresAttemptCountsAndNamesItsSettingWhenItGivesUp) {
  RetryPolicy p = RetryPolicy::UntilDeadline(1200ms, "storage.retry_deadline_ms");
  int calls = 0;
  const auto start = Clock::now();
  auto r = p.Run<void>([&]() -> Status {
    ++calls;
    return Fail(Transient());
  });
  const auto took = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_GE(took, 1200ms) << "the last try is made at the deadline";
  EXPECT_LT(took, 2000ms);
  EXPECT_GE(calls, 4);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("still failing after " + std::to_string(calls) + " tries over 1."),
            std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("(storage.retry_deadline_ms): broker restarting"), std::string::npos)
      << r.error().message;
}

TEST(RetryPolicy, BackoffDoublesUpToItsCapWithJitterInTheUpperHalf) {
  RetryPolicy p;
  p.max_attempts = 7;
  p.initial_backoff = 8ms;
  p.max_backoff = 40ms;
  std::vector<std::chrono::milliseconds> waits;
  auto r = p.Run<void>([&]() -> Status { return Fail(Transient()); },
                       [&](const Error&, int, std::chrono::milliseconds wait) { waits.push_back(wait); });
  ASSERT_FALSE(r);
  ASSERT_EQ(waits.size(), 6u);
  const long caps[] = {8, 16, 32, 40, 40, 40};
  for (size_t i = 0; i < waits.size(); ++i) {
    EXPECT_GE(waits[i].count(), caps[i] / 2) << "wait " << i;
    EXPECT_LE(waits[i].count(), caps[i]) << "wait " << i;
  }
}

TEST(RetryPolicy, AStopRequestEndsTheRetriesAtOnce) {
  RetryPolicy p = RetryPolicy::UntilDeadline(30s, "kafka retry deadline");
  std::thread stopper([] {
    std::this_thread::sleep_for(300ms);
    RequestStop();
  });
  const auto start = Clock::now();
  auto r = p.Run<void>([&]() -> Status { return Fail(Transient()); });
  const auto took = Clock::now() - start;
  stopper.join();
  ResetStopForTests();
  ASSERT_FALSE(r);
  EXPECT_LT(took, 1s);
  EXPECT_NE(r.error().message.find("cut short by the stop request"), std::string::npos) << r.error().message;
}

TEST(RetryPolicy, RetryAfterStopKeepsTryingWithinTheStopGrace) {
  RetryPolicy p = RetryPolicy::UntilDeadline(30s, "storage.retry_deadline_ms");
  p.retry_after_stop = true;
  RequestStop();
  const auto healthy_at = Clock::now() + 800ms;
  int calls = 0;
  auto r = p.Run<int>([&]() -> Result<int> {
    ++calls;
    if (Clock::now() < healthy_at) return Fail(Transient());
    return 1;
  });
  ResetStopForTests();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_GE(calls, 2);
}

TEST(StopGrace, StartsAtTheFirstStopRequest) {
  EXPECT_EQ(StopGraceDeadline(), Clock::time_point::max());
  const auto before = Clock::now();
  RequestStop();
  const auto deadline = StopGraceDeadline();
  ResetStopForTests();
  EXPECT_GE(deadline, before + kStopGrace);
  EXPECT_LE(deadline, Clock::now() + kStopGrace);
}

TEST(StopGrace, SleepUnlessStoppedWakesOnAStop) {
  std::thread stopper([] {
    std::this_thread::sleep_for(100ms);
    RequestStop();
  });
  const auto start = Clock::now();
  bool slept = SleepUnlessStopped(10s);
  const auto took = Clock::now() - start;
  stopper.join();
  ResetStopForTests();
  EXPECT_FALSE(slept);
  EXPECT_LT(took, 1s);
}

// The SIGTERM promise holds even when a library call blocks past its own timeout: the watchdog
// ends the process (in a forked child here) once the hard limit passes.
TEST(StopWatchdog, ACommandStillBlockedAfterTheHardLimitExitsWith130) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        InstallStopSignalHandlers(300ms);
        std::raise(SIGTERM);
        std::this_thread::sleep_for(30s);  // a call that ignores its timeout
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(130), "still running after the stop grace");
}

TEST(StopWatchdog, ASecondSignalExitsAtOnce) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        InstallStopSignalHandlers(30s);
        std::raise(SIGTERM);
        std::raise(SIGTERM);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(130), "second signal: exiting at once");
}

}  // namespace
}  // namespace kb
