// The live progress line of real backups and restores, run under a real pseudo-terminal with
// util-linux `script`: every redraw erases what the previous one left, the final line is exactly
// the summary, and a restore shows an ETA while it runs.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/backup_fixture.h"
#include "support/terminal.h"
#include "support/test_env.h"

namespace kb {
namespace {

// Runs `kafka-backup -q ARGS` under `script`; returns what the terminal received and sets *code.
std::string RunOnTerminal(const std::string& args, int* code) {
  const std::string cmd = "script -qfec \"" KB_BINARY " -q " + args + "\" /dev/null </dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr) << cmd;
  std::string out;
  if (!p) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Checks the redraws of `out` and returns the rendered line that starts with `what`: ".
std::string FinalProgressLine(const std::string& out, const std::string& what) {
  for (const auto& draw : test::Redraws(out))
    EXPECT_TRUE(draw.ends_with("\x1b[K")) << "redraw without erase: " << draw;
  std::string found;
  for (const auto& line : test::RenderTerminal(out))
    if (line.rfind(what + ": ", 0) == 0) {
      EXPECT_TRUE(found.empty()) << "two progress lines: " << found << " / " << line;
      found = line;
    }
  EXPECT_FALSE(found.empty()) << "no " << what << " progress line in: " << out;
  return found;
}

class ProgressTerminalTest : public test::BrokerTopicsTest {};

TEST_F(ProgressTerminalTest, BackupAndRestoreRedrawCleanlyAndARestoreShowsItsEta) {
  const std::string topic = NewTopic("progress", 1);
  std::vector<Record> records;
  for (int i = 0; i < 3000; ++i) {
    Record r;
    r.timestamp = 1764000000000 + i;
    r.key = "k" + std::to_string(i);
    r.value = std::string(100, 'v');
    records.push_back(r);
  }
  test::ProduceRecords(topic, 0, records);
  const std::string dir = test::TempDir("progress");
  const std::string bid = test::UniqueName("progress");
  const std::string bootstrap = test::RequireEnv("KB_BOOTSTRAP");
  std::ofstream(dir + "/backup.yaml") << "mode: backup\nbackup_id: " << bid << "\nsource:\n  bootstrap_servers: ["
                                      << bootstrap << "]\n  topics:\n    include: [" << topic
                                      << "]\nstorage:\n  backend: filesystem\n  path: " << dir
                                      << "/backups\nbackup:\n  capture_consumer_offsets: false\n";
  int code = -1;
  std::string out = RunOnTerminal("backup --config " + dir + "/backup.yaml", &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_TRUE(std::regex_match(FinalProgressLine(out, "backup"),
                               std::regex(R"(backup: 3000 records, 0\.[0-9] MB, [0-9.]+ MB/s, [0-9]+ rec/s, done in [0-9.]+s)")))
      << out;

  // 1000 records a second after a one-second burst: the restore takes 2 s, long enough for live
  // redraws with an ETA.
  const std::string target = Track(test::UniqueName("progress-restored"));
  std::ofstream(dir + "/restore.yaml") << "mode: restore\nbackup_id: " << bid << "\ntarget:\n  bootstrap_servers: ["
                                       << bootstrap << "]\n  topics:\n    include: [" << topic
                                       << "]\nrestore:\n  create_topics: true\n  topic_mapping:\n    " << topic << ": "
                                       << target << "\n  rate_limit_records_per_sec: 1000\n";
  out = RunOnTerminal("restore --config " + dir + "/restore.yaml --path " + dir + "/backups", &code);
  ASSERT_EQ(code, 0) << out;
  const std::string final_line = FinalProgressLine(out, "restore");
  EXPECT_TRUE(std::regex_match(final_line, std::regex(R"(restore: 3000 records, 0\.[0-9] MB, [0-9.]+ MB/s, [0-9]+ rec/s, done in [0-9.]+s)")))
      << final_line;
  size_t with_eta = 0;
  for (const auto& draw : test::Redraws(out))
    if (std::regex_search(draw, std::regex(R"(^restore: [0-9]+ records, .*, ETA [0-9]+s\x1b\[K$)"))) ++with_eta;
  EXPECT_GE(with_eta, 2u) << out;
  EXPECT_EQ(test::ReadTopic(target)[0].size(), 3000u);
}

}  // namespace
}  // namespace kb
