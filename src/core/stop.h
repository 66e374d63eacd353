// Stop: one process-wide cancellation flag, raised by SIGINT/SIGTERM.
// Long loops poll StopRequested(); workers finish the object they are writing, then return.
#pragma once

#include <atomic>

namespace kb {

void InstallStopSignalHandlers();
bool StopRequested();
void RequestStop();        // for tests and for internal fatal paths
void ResetStopForTests();
int StopSignal();          // the signal number that raised the stop, or 0

}  // namespace kb
