// TestEnv: what scripts/servers-up.sh started, read from its env file.
// A test that needs a server and cannot find it fails; it never skips.
#pragma once

#include <string>

namespace kb::test {

// Value of KEY from the environment, else from the env file (.test-env/env), else "".
std::string EnvValue(const std::string& key);
// Like EnvValue, but a missing value fails the current test with a message naming the key.
std::string RequireEnv(const std::string& key);
// A name unique to this process and call, for topics, groups and backup ids.
std::string UniqueName(const std::string& stem);
// The whole file as text; "" when it cannot be read.
std::string ReadTextFile(const std::string& path);

// A TCP socket listening on a free loopback port; the port stays taken while it lives.
struct Listener {
  Listener();
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int fd = -1;
  int port = 0;
};
// A loopback port free right now (for a server the test starts next).
int FreePort();

}  // namespace kb::test
