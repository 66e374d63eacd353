// The live progress line, drawn on a real pseudo-terminal: every redraw erases what the line
// before it left, the ETA shows while records are expected, and the last line says how long.
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "metrics/progress.h"
#include "support/terminal.h"

namespace kb {
namespace {

// Runs `body` in a child whose stderr is a pseudo-terminal; returns everything it wrote there.
template <typename Body>
std::string OnPseudoTerminal(Body body) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    body();
    _exit(0);
  }
  EXPECT_GT(pid, 0) << "forkpty failed";
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) out.append(buf, n);
    else if (n < 0 && errno == EINTR) continue;
    else break;  // EIO once the child has closed the terminal
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return out;
}

TEST(ProgressLine, RedrawsWithoutStaleCharactersAndShowsTheEtaOnATerminal) {
  const std::string out = OnPseudoTerminal([] {
    Progress p("restore");
    p.SetExpectedRecords(1000000000000);
    p.StartLiveLine();
    p.AddRecords(100, 1000);  // an ETA of about 10^10 s: long live lines
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    p.AddRecords(1, 10);  // the final line, without the ETA, is shorter
    p.Stop();
  });
  // Each redraw: carriage return, the line, erase to the end of the line.
  const auto redraws = test::Redraws(out);
  for (const auto& draw : redraws)
    EXPECT_TRUE(draw.ends_with("\x1b[K")) << "redraw without erase: " << draw;
  EXPECT_GE(redraws.size(), 3u) << "two live redraws and the final one: " << out;
  EXPECT_NE(out.find(", ETA "), std::string::npos) << out;

  const auto lines = test::RenderTerminal(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  // Exactly the final line: anything after "done in N.Ns" would be left from a live line.
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(restore: 101 records, 0\.0 MB, [0-9.]+ MB/s, [0-9]+ rec/s, done in [0-9.]+s)")))
      << lines[0];
}

TEST(ProgressLine, StaysOffWhenStderrIsNotATerminal) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    Progress p("backup");
    p.StartLiveLine();
    p.AddRecords(5, 50);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    p.Stop();
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(out, "") << "a pipe or a CI log gets no progress line";
}

TEST(ProgressLine, FinalLineSaysHowLongAndNoEta) {
  Progress p("backup");
  p.SetExpectedRecords(10);
  p.AddRecords(4, 4000);
  EXPECT_NE(p.Line(false).find(", ETA "), std::string::npos) << p.Line(false);
  const std::string last = p.Line(true);
  EXPECT_EQ(last.rfind("backup: 4 records, 0.0 MB, ", 0), 0u) << last;
  EXPECT_EQ(last.find("ETA"), std::string::npos) << last;
  EXPECT_NE(last.find(", done in "), std::string::npos) << last;
}

}  // namespace
}  // namespace kb
