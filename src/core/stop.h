// Stop: one process-wide cancellation flag, raised by SIGINT/SIGTERM.
// Long loops poll StopRequested(); workers finish the object they are writing, then return.
//
// The promise to the user (docs/CONFIG.md, "Faults and deadlines"): after the first signal a
// command ends within kStopGrace plus kStopTransferGrace. Waits that protect data (delivery
// confirmations of a restore, storage writes of a final flush) may go on until
// StopGraceDeadline(); a storage transfer still running kStopTransferGrace after that is aborted;
// every other wait ends at once. A second signal exits at once with status 130: every object is
// written atomically and no checkpoint runs ahead of stored data, so that loses nothing stored.
// No library call is trusted to honour its own timeout (librdkafka 2.0 can block past it), so a
// watchdog keeps the promise whatever blocks: a process still running kStopHardLimit after the
// first signal exits with status 130, as after a second signal.
#pragma once

#include <atomic>
#include <chrono>

namespace kb {

constexpr std::chrono::seconds kStopGrace{15};
constexpr std::chrono::seconds kStopTransferGrace{5};
constexpr std::chrono::milliseconds kStopHardLimit = kStopGrace + kStopTransferGrace + std::chrono::seconds(1);

// SIGINT/SIGTERM raise the stop; a second signal, or `hard_limit` after the first, exits with 130.
void InstallStopSignalHandlers(std::chrono::milliseconds hard_limit = kStopHardLimit);
bool StopRequested();
void RequestStop();        // for tests and for internal fatal paths
void ResetStopForTests();
int StopSignal();          // the signal number that raised the stop, or 0

// When the stop grace ends: the time of the first stop request plus kStopGrace, or
// time_point::max() while no stop was requested.
std::chrono::steady_clock::time_point StopGraceDeadline();

// Sleeps for `d` in short slices; returns early (false) once a stop is requested.
bool SleepUnlessStopped(std::chrono::milliseconds d);

}  // namespace kb
