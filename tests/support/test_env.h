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

}  // namespace kb::test
