// Logging: spdlog to stderr, text or JSON lines. Reports go to stdout, never through here.
#pragma once

#include <string>

namespace kb::cli {

// verbosity 0 = info, 1 = debug, 2+ = trace; quiet = errors only.
void SetUpLogging(int verbosity, bool quiet, const std::string& format);

}  // namespace kb::cli
