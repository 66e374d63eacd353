// ParallelFor and InBackground (core/parallel.h): results and errors come back, background
// threads are reused, a task never waits for a free thread, and dropping a result waits for it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/parallel.h"

namespace kb {
namespace {

using namespace std::chrono_literals;

TEST(InBackground, HandsBackTheResultAndTheException) {
  auto value = InBackground([] { return 42; });
  EXPECT_EQ(value.get(), 42);
  auto thrown = InBackground([]() -> int { throw std::runtime_error("boom"); });
  EXPECT_THROW(thrown.get(), std::runtime_error);
}

TEST(InBackground, ALaterTaskRunsOnAThreadThatIsAlreadyThere) {
  // Tasks one after another: the thread of one finds the next (a task handed over while the
  // last one's thread is still on its way back to idle may start another, rarely).
  const uint64_t before = detail::BackgroundThreadsStarted();
  for (int i = 0; i < 50; ++i)
    EXPECT_NE(InBackground([] { return std::this_thread::get_id(); }).get(), std::this_thread::get_id());
  EXPECT_LE(detail::BackgroundThreadsStarted() - before, 10u);  // 50 without reuse
}

TEST(InBackground, TasksThatWaitForEachOtherAllRun) {
  // Each task waits until all 16 have started: a fixed number of threads would never finish.
  constexpr int kTasks = 16;
  std::mutex mu;
  std::condition_variable all_in;
  int started = 0;
  std::vector<Background<bool>> tasks;
  for (int i = 0; i < kTasks; ++i)
    tasks.push_back(InBackground([&] {
      std::unique_lock<std::mutex> lock(mu);
      ++started;
      all_in.notify_all();
      return all_in.wait_for(lock, 10s, [&] { return started == kTasks; });
    }));
  for (auto& t : tasks) EXPECT_TRUE(t.get());
}

TEST(InBackground, DroppingTheResultWaitsForTheTask) {
  std::atomic<bool> done{false};
  {
    auto task = InBackground([&] {
      std::this_thread::sleep_for(50ms);
      done = true;
    });
  }
  EXPECT_TRUE(done);  // the task may use what the dropped result's owner owned
  auto first = InBackground([&] {
    std::this_thread::sleep_for(50ms);
    return 1;
  });
  first = InBackground([] { return 2; });  // assigning over a result waits for it too
  EXPECT_EQ(first.get(), 2);
}

TEST(ParallelFor, RunsEveryIndexOnceOnAtMostTheThreadsAsked) {
  std::vector<std::atomic<int>> runs(100);
  std::mutex mu;
  std::set<std::thread::id> threads;
  ParallelFor(runs.size(), 4, [&](size_t i) {
    runs[i]++;
    std::lock_guard<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
  });
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
  EXPECT_LE(threads.size(), 4u);
}

}  // namespace
}  // namespace kb
