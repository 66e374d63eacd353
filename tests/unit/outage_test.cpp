// OutageTracker: when an outage begins and ends, and what it says while it lasts.
#include <gtest/gtest.h>

#include "core/outage.h"

namespace kb {
namespace {

TEST(OutageTracker, BeginsWithTheFirstFailureAndEndsWhenTheLastRetryingCallEnds) {
  OutageTracker t;
  EXPECT_FALSE(t.State().retrying);
  EXPECT_TRUE(t.Failed("connection refused", true)) << "the first failure begins the outage";
  EXPECT_FALSE(t.Failed("connection refused", false)) << "the same call failing again";
  EXPECT_FALSE(t.Failed("503 SlowDown", true)) << "a second call joining the outage";
  OutageState during = t.State();
  EXPECT_TRUE(during.retrying);
  EXPECT_GT(during.since_ms, 0);
  EXPECT_EQ(during.calls_retrying, 2u);
  EXPECT_EQ(during.retries_total, 3u);
  EXPECT_EQ(during.last_error, "503 SlowDown");

  int64_t lasted = -1;
  EXPECT_FALSE(t.CallEnded(&lasted)) << "one call is still retrying";
  EXPECT_TRUE(t.State().retrying);
  EXPECT_TRUE(t.CallEnded(&lasted));
  EXPECT_GE(lasted, 0);
  OutageState after = t.State();
  EXPECT_FALSE(after.retrying);
  EXPECT_EQ(after.since_ms, 0);
  EXPECT_EQ(after.last_error, "");
  EXPECT_EQ(after.retries_total, 3u) << "the total counts every outage";
}

TEST(OutageTracker, PendingWritesCountWhileTheyLive) {
  OutageTracker t;
  {
    PendingWrite a(t, 100);
    PendingWrite b(t, 50);
    EXPECT_EQ(t.State().pending_writes, 2u);
    EXPECT_EQ(t.State().pending_bytes, 150u);
  }
  EXPECT_EQ(t.State().pending_writes, 0u);
  EXPECT_EQ(t.State().pending_bytes, 0u);
}

}  // namespace
}  // namespace kb
