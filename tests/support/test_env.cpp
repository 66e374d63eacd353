#include "support/test_env.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

namespace kb::test {
namespace {
std::map<std::string, std::string> LoadFile() {
  std::map<std::string, std::string> out;
  const char* path = std::getenv("KB_TEST_ENV_FILE");
  std::ifstream in(path ? path : KB_TEST_ENV_FILE);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k.rfind("export ", 0) == 0) k = k.substr(7);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    out[k] = v;
  }
  return out;
}
}  // namespace

std::string EnvValue(const std::string& key) {
  if (const char* v = std::getenv(key.c_str()); v && *v) return v;
  static const auto file = LoadFile();
  auto it = file.find(key);
  return it == file.end() ? "" : it->second;
}

std::string RequireEnv(const std::string& key) {
  std::string v = EnvValue(key);
  if (v.empty())
    ADD_FAILURE() << key << " is not set: start the servers with scripts/servers-up.sh (env file "
                  << KB_TEST_ENV_FILE << ")";
  return v;
}

std::string UniqueName(const std::string& stem) {
  static std::atomic<int> counter{0};
  auto now = std::chrono::system_clock::now().time_since_epoch().count() / 1000;
  return stem + "-" + std::to_string(getpid()) + "-" + std::to_string(now % 100000000) + "-" +
         std::to_string(counter++);
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Listener::Listener() {
  fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
}

Listener::~Listener() { ::close(fd); }

int FreePort() {
  Listener l;
  return l.port;  // released on return
}

}  // namespace kb::test
