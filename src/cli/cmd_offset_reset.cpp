// offset-reset plan|execute|script and offset-reset-bulk: put consumer groups on the right
// target records after a restore.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "kafka/admin_client.h"
#include "offsets/bulk_commit.h"
#include "offsets/reset_session.h"

namespace kb::cli {
namespace {

using nlohmann::json;

struct Session {
  std::unique_ptr<ObjectStore> store;
  std::unique_ptr<kafka::AdminClient> admin;
  kafka::KafkaClientConfig kafka;
  offsets::ResetPlan plan;
};

Result<Session> Prepare(const CliArgs& a) {
  Session s;
  KB_ASSIGN_OR_RETURN(s.store, OpenStoreToRead(a.path));
  KB_ASSIGN_OR_RETURN(s.kafka, KafkaConfigFromFlags(a));
  KB_ASSIGN_OR_RETURN(s.admin, kafka::AdminClient::Create(s.kafka));
  offsets::ResetRequest req;
  req.backup_id = a.backup_id;
  req.restore_id = a.restore_id;
  req.groups = a.groups;
  req.strategy = a.strategy;
  KB_ASSIGN_OR_RETURN(s.plan, offsets::BuildResetPlan(*s.store, *s.admin, s.kafka, req));
  return s;
}

void PrintNotes(const offsets::ResetPlan& plan) {
  for (const auto& w : plan.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  for (const auto& p : plan.problems) std::fprintf(stderr, "problem: %s\n", p.c_str());
}

void PrintPlanTable(const offsets::ResetPlan& plan) {
  std::cout << "Offset reset plan: backup " << plan.backup_id << ", restore " << plan.restore_id << ", strategy "
            << offsets::ResetStrategyName(plan.strategy) << ", positions from " << plan.positions_from << "\n";
  std::printf("%-28s %-24s %9s %12s %-24s %9s %12s %12s  %s\n", "GROUP", "SOURCE TOPIC", "PARTITION", "SOURCE OFF",
              "TARGET TOPIC", "PARTITION", "TARGET OFF", "MAPPED OFF", "NOTE");
  for (const auto& e : plan.entries)
    std::printf("%-28s %-24s %9d %12lld %-24s %9s %12s %12s  %s\n", e.group.c_str(), e.source_topic.c_str(),
                e.source_partition, static_cast<long long>(e.source_offset),
                e.target_topic.empty() ? "-" : e.target_topic.c_str(),
                e.target_partition < 0 ? "-" : std::to_string(e.target_partition).c_str(),
                e.target_offset < 0 ? "-" : std::to_string(e.target_offset).c_str(),
                e.mapped_offset < 0 ? "-" : std::to_string(e.mapped_offset).c_str(), e.note.c_str());
  std::fflush(stdout);
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Groups whose plan is whole (no partition left unplaced): only these are committed.
std::map<std::string, std::vector<kafka::GroupOffset>> CommitsOfWholeGroups(const offsets::ResetPlan& plan,
                                                                              std::vector<std::string>* skipped) {
  std::set<std::string> broken;
  for (const auto& e : plan.entries)
    if (!e.commit() && !e.target_topic.empty()) broken.insert(e.group);
  auto commits = plan.Commits();
  for (const auto& g : broken) {
    commits.erase(g);
    skipped->push_back(g);
  }
  return commits;
}

int Execute(const CliArgs& a, bool bulk) {
  auto s = Prepare(a);
  if (!s) return ReportError(s.error());
  auto& plan = s->plan;
  PrintNotes(plan);
  if (plan.strategy == offsets::ResetStrategy::kManual) {
    std::fprintf(stderr, "error: strategy manual only plans: run `kafka-backup offset-reset script ...` and apply the "
                         "script yourself, or pass --strategy header-based|timestamp-based|cluster-scan\n");
    return 2;
  }
  if (plan.strategy == offsets::ResetStrategy::kSkip) {
    PrintReport(a, json{{"strategy", "skip"}, {"changed", 0}},
                [] { std::cout << "Strategy skip: no consumer offsets changed\n"; });
    return 0;
  }
  std::vector<std::string> skipped;
  auto commits = CommitsOfWholeGroups(plan, &skipped);
  offsets::BulkOptions opts;
  opts.max_concurrency = bulk ? a.max_concurrency : 4;
  opts.max_retries = bulk ? a.max_retries : 2;
  opts.commit.force = a.force;
  opts.commit.verify = true;
  auto report = offsets::BulkCommit(*s->admin, commits, opts);
  json doc = report.ToJson();
  doc["plan"] = plan.ToJson();
  doc["groups_not_committed"] = skipped;
  PrintReport(a, doc, [&] {
    PrintPlanTable(plan);
    std::cout << "\n";
    for (const auto& g : report.groups) {
      std::cout << "group " << g.group << ": "
                << (g.ok() ? "committed and verified" : g.refused ? "REFUSED" : "FAILED");
      if (!g.error.empty()) std::cout << " - " << g.error;
      std::cout << "  (" << g.partitions.size() << " partition(s), " << g.attempts << " attempt(s), "
                << static_cast<long long>(g.latency_ms) << " ms)\n";
      for (const auto& p : g.partitions)
        if (!p.error.empty()) std::cout << "    " << p.topic << ":" << p.partition << " -> " << p.offset << "  ERROR: " << p.error << "\n";
    }
    for (const auto& g : skipped) std::cout << "group " << g << ": NOT COMMITTED (some partitions could not be placed)\n";
    if (bulk)
      std::printf("\n%zu/%zu group(s) ok in %.2f s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", report.ok_groups(),
                  report.groups.size() + skipped.size(), report.seconds, report.p50_ms, report.p99_ms, report.max_ms);
    std::fflush(stdout);
  });
  bool all_ok = report.all_ok() && skipped.empty() && plan.problems.empty();
  if (all_ok) return 0;
  size_t refused = 0;
  for (const auto& g : report.groups) refused += g.refused;
  for (const auto& g : report.groups)
    if (!g.ok()) std::fprintf(stderr, "error: group=%s: %s\n", g.group.c_str(), g.error.empty() ? "some partitions failed" : g.error.c_str());
  if (refused > 0 && refused == report.groups.size() && skipped.empty()) return 1;
  return 3;
}

}  // namespace

int RunOffsetResetPlan(const CliArgs& a) {
  auto s = Prepare(a);
  if (!s) return ReportError(s.error());
  const auto& plan = s->plan;
  PrintNotes(plan);
  if (a.format == "csv") {
    std::cout << "group,source_topic,source_partition,source_offset,target_topic,target_partition,target_offset,"
                 "mapped_offset,strategy,note\n";
    for (const auto& e : plan.entries)
      std::cout << CsvField(e.group) << "," << CsvField(e.source_topic) << "," << e.source_partition << "," << e.source_offset
                << "," << CsvField(e.target_topic) << "," << e.target_partition << "," << e.target_offset << ","
                << e.mapped_offset << "," << e.strategy << "," << CsvField(e.note) << "\n";
  } else {
    PrintReport(a, plan.ToJson(), [&] { PrintPlanTable(plan); });
  }
  return plan.problems.empty() ? 0 : 3;
}

int RunOffsetResetExecute(const CliArgs& a) { return Execute(a, false); }

int RunOffsetResetScript(const CliArgs& a) {
  auto s = Prepare(a);
  if (!s) return ReportError(s.error());
  PrintNotes(s->plan);
  std::string script = offsets::ResetScript(s->plan, kafka::BootstrapList(s->kafka));
  if (a.format == "json") {
    std::cout << json{{"script", script}, {"plan", s->plan.ToJson()}}.dump(2) << std::endl;
  } else if (!a.output_file.empty()) {
    std::ofstream out(a.output_file, std::ios::trunc);
    out << script;
    out.close();
    if (!out) return ReportError(Error{ErrorCode::kUnavailable, "could not write " + a.output_file, false, false});
    ::chmod(a.output_file.c_str(), 0755);
    std::fprintf(stderr, "wrote %s\n", a.output_file.c_str());
  } else {
    std::cout << script;
  }
  return s->plan.problems.empty() ? 0 : 3;
}

int RunOffsetResetBulk(const CliArgs& a) {
  if (a.groups.empty() && !a.all_groups) {
    std::fprintf(stderr, "error: name the groups with --groups a,b or pass --all-groups\n");
    return 2;
  }
  if (a.max_concurrency < 1 || a.max_retries < 0) {
    std::fprintf(stderr, "error: --max-concurrency must be >= 1 and --max-retries >= 0\n");
    return 2;
  }
  return Execute(a, true);
}

void AddOffsetResetCommands(CommandRegistry& r) {
  auto& a = r.args;
  auto* reset = r.app.add_subcommand("offset-reset", "Reset consumer-group offsets after a restore");
  reset->require_subcommand(1);
  auto* plan = reset->add_subcommand("plan", "Show the offsets each group would get");
  AddResetFlags(plan, a);
  AddFormat(plan, a, {"text", "json", "yaml", "csv"});
  r.OnRun(plan, RunOffsetResetPlan);
  auto* execute = reset->add_subcommand("execute", "Commit the translated offsets, then verify them");
  AddResetFlags(execute, a);
  AddFormat(execute, a);
  r.OnRun(execute, RunOffsetResetExecute);
  auto* script = reset->add_subcommand("script", "Print a kafka-consumer-groups script that applies the plan");
  AddResetFlags(script, a);
  script->add_option("--output,-o", a.output_file, "Write the script here")->type_name("FILE");
  AddFormat(script, a, {"shell-script", "text", "json"});
  r.OnRun(script, RunOffsetResetScript);

  auto* bulk =
      r.app.add_subcommand("offset-reset-bulk", "Reset many groups concurrently, with retries and a latency report");
  AddResetFlags(bulk, a);
  bulk->add_flag("--all-groups", a.all_groups, "Every group with offsets captured in the backup");
  bulk->add_option("--max-concurrency", a.max_concurrency, "Groups committed at once");
  bulk->add_option("--max-retries", a.max_retries, "Retries per group on retryable errors");
  AddFormat(bulk, a);
  r.OnRun(bulk, RunOffsetResetBulk);
}

}  // namespace kb::cli
