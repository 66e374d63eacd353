// Commands whose engines are not built yet. Each says so and fails: never a silent success.
// Move a command out of this file when its real implementation lands.
#include <cstdio>

#include "cli/commands.h"

namespace kb::cli {
namespace {
[[maybe_unused]] int NotBuilt(const char* name) {
  std::fprintf(stderr, "kafka-backup %s: not implemented yet in this build\n", name);
  return 1;
}
}  // namespace


}  // namespace kb::cli
