#include "core/stop.h"

#include <csignal>

namespace kb {
namespace {
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
extern "C" void OnStopSignal(int sig) {
  g_signal.store(sig);
  g_stop.store(true);
}
}  // namespace

void InstallStopSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}
bool StopRequested() { return g_stop.load(std::memory_order_relaxed); }
void RequestStop() { g_stop.store(true); }
void ResetStopForTests() {
  g_stop.store(false);
  g_signal.store(0);
}
int StopSignal() { return g_signal.load(); }

}  // namespace kb
