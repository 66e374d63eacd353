#include "core/stop.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <thread>

namespace kb {
namespace {
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
std::atomic<int> g_signals_seen{0};
// steady_clock ticks of the first stop request; 0 = none.
std::atomic<Clock::rep> g_stop_at{0};

void MarkStopped() {
  Clock::rep none = 0;
  Clock::rep now = Clock::now().time_since_epoch().count();  // clock_gettime: async-signal-safe
  g_stop_at.compare_exchange_strong(none, now == 0 ? 1 : now);
  g_stop.store(true);
}

// Leaves at once; async-signal-safe, so the signal handler may call it.
template <size_t N>
[[noreturn]] void ExitNow(const char (&msg)[N]) {
  ssize_t ignored = ::write(STDERR_FILENO, msg, N - 1);
  (void)ignored;
  ::_exit(130);
}

extern "C" void OnStopSignal(int sig) {
  if (g_signals_seen.fetch_add(1) > 0)  // the user insists
    ExitNow("\nsecond signal: exiting at once (stored data and checkpoints stay consistent)\n");
  g_signal.store(sig);
  MarkStopped();
}

// Waits for the first signal, then for `hard_limit`: a command that has not ended by then is
// blocked in a call that ignores its timeout, and leaving is safe (see stop.h).
void Watchdog(std::chrono::milliseconds hard_limit) {
  while (g_signals_seen.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const Clock::time_point at(Clock::duration(g_stop_at.load()));
  std::this_thread::sleep_until(at + hard_limit);
  ExitNow("\nstill running after the stop grace (a Kafka or storage call did not return in time): exiting "
          "(stored data and checkpoints stay consistent)\n");
}
}  // namespace

void InstallStopSignalHandlers(std::chrono::milliseconds hard_limit) {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::thread(Watchdog, hard_limit).detach();
}
bool StopRequested() { return g_stop.load(std::memory_order_relaxed); }
void RequestStop() { MarkStopped(); }
void ResetStopForTests() {
  g_stop.store(false);
  g_signal.store(0);
  g_signals_seen.store(0);
  g_stop_at.store(0);
}
int StopSignal() { return g_signal.load(); }

Clock::time_point StopGraceDeadline() {
  Clock::rep at = g_stop_at.load();
  if (at == 0) return Clock::time_point::max();
  return Clock::time_point(Clock::duration(at)) + kStopGrace;
}

bool SleepUnlessStopped(std::chrono::milliseconds d) {
  const auto until = Clock::now() + d;
  for (;;) {
    if (StopRequested()) return false;
    auto left = until - Clock::now();
    if (left <= Clock::duration::zero()) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(50)));
  }
}

}  // namespace kb
