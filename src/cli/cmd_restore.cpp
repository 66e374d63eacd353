// `restore`, `three-phase-restore` and `validate-restore` (all --config FILE), and --dry-run of
// each: flags and printing only; the workflow (workflow/restore_workflow.h) decides what runs.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "core/time_util.h"
#include "workflow/restore_workflow.h"

namespace kb::cli {
namespace {

Result<Config> LoadRestoreConfig(const CliArgs& a, const char* command) {
  KB_ASSIGN_OR_RETURN(Config config, LoadConfigWithOverrides(a));
  if (!config.mode.empty() && config.mode != "restore")
    return Fail(ErrorCode::kInvalidArgument, a.config_file + " has mode: " + config.mode + "; the " + command +
                                                 " command needs mode: restore");
  return config;
}

std::string WindowText(const std::optional<int64_t>& start, const std::optional<int64_t>& end) {
  return (start ? FormatTimestampMs(*start) : std::string("(beginning)")) + " .. " +
         (end ? FormatTimestampMs(*end) : std::string("(end)"));
}

std::string PartText(int32_t p) { return p < 0 ? std::string("by key") : std::to_string(p); }

// Prints the plan; 0 when it has no problems, 3 when it has.
int PrintPlan(const CliArgs& a, const RestorePlan& plan) {
  PrintReport(a, plan.ToJson(), [&] {
    std::printf("Restore plan for backup %s, window %s\n", plan.backup_id.c_str(),
                WindowText(plan.time_window_start, plan.time_window_end).c_str());
    std::printf("  %-24s %4s -> %-24s %7s %10s %10s  %-24s %-24s %s\n", "SOURCE TOPIC", "PART", "TARGET TOPIC", "PART",
                "RECORDS", "BYTES", "FIRST TIMESTAMP", "LAST TIMESTAMP", "TARGET");
    uint64_t records = 0, bytes = 0;
    for (const auto& e : plan.entries) {
      records += e.records;
      bytes += e.bytes;
      std::string target = !e.target_topic_exists ? "missing" : e.target_partition_empty ? "exists, empty" : "exists, NOT EMPTY";
      std::printf("  %-24s %4d -> %-24s %7s %10llu %10s  %-24s %-24s %s\n", e.source_topic.c_str(), e.source_partition,
                  e.target_topic.c_str(), PartText(e.target_partition).c_str(),
                  static_cast<unsigned long long>(e.records), HumanBytes(e.bytes).c_str(),
                  e.records ? FormatTimestampMs(e.min_timestamp).c_str() : "-",
                  e.records ? FormatTimestampMs(e.max_timestamp).c_str() : "-", target.c_str());
    }
    std::printf("  total: %llu records, %s\n", static_cast<unsigned long long>(records), HumanBytes(bytes).c_str());
    if (plan.problems.empty()) std::printf("  no problems found\n");
    for (const auto& p : plan.problems) std::printf("  PROBLEM: %s\n", p.c_str());
  });
  return plan.problems.empty() ? 0 : 3;
}

int PrintRestore(const CliArgs& a, const Config& config, ObjectStore& store, const RestoreResult& r) {
  nlohmann::json doc = format::ToJson(r.report);
  doc["storage"] = store.Describe();
  PrintReport(a, doc, [&] {
    std::printf("Restore %s of backup %s %s\n", r.restore_id.c_str(), config.backup_id.c_str(),
                r.complete ? "complete" : r.interrupted ? "INTERRUPTED" : "INCOMPLETE");
    if (r.resumed) std::printf("  resumed an interrupted restore\n");
    std::printf("  window: %s\n", WindowText(config.restore.time_window_start, config.restore.time_window_end).c_str());
    std::printf("  partitions: %llu of %llu complete\n", static_cast<unsigned long long>(r.partitions_complete),
                static_cast<unsigned long long>(r.partitions_total));
    double mbps = r.report.mb_per_second;
    std::printf("  records: %llu  bytes: %s  duration: %.2f s  throughput: %.1f MB/s\n",
                static_cast<unsigned long long>(r.records), HumanBytes(r.bytes).c_str(), r.seconds, mbps);
    uint64_t backup_bytes = r.report.backup_stored_bytes;
    std::printf("  read from storage: %s of %s stored in the backup\n", HumanBytes(r.bytes_read_from_storage).c_str(),
                HumanBytes(backup_bytes).c_str());
    for (const auto& e : r.errors) std::printf("  FAILED: %s\n", e.c_str());
    if (r.interrupted) std::printf("  run the same command again to resume without duplicates\n");
  });
  if (r.complete) return 0;
  if (r.interrupted) return 130;
  return r.partitions_complete > 0 ? 3 : 1;
}

// The three-phase restore's report: one box with each phase's status and details.
int PrintThreePhase(const CliArgs& a, const ThreePhaseOutcome& o) {
  PrintReport(a, o.doc, [&] {
    std::vector<std::string> lines;
    lines.push_back("three-phase-restore of backup " + o.backup_id + ": " + (o.ok ? "SUCCESS" : "FAILED"));
    lines.push_back("");
    for (const auto& p : o.phases) {
      std::string head = p.name;
      head.resize(std::max<size_t>(head.size() + 1, 26), ' ');
      lines.push_back(head + p.status);
      for (const auto& l : p.lines) lines.push_back("    " + l);
    }
    size_t width = 0;
    for (const auto& l : lines) width = std::max(width, l.size());
    std::string bar;
    for (size_t i = 0; i < width + 2; ++i) bar += "─";
    std::cout << "┌" << bar << "┐\n";
    for (const auto& l : lines) std::cout << "│ " << l << std::string(width - l.size(), ' ') << " │\n";
    std::cout << "└" << bar << "┘\n";
  });
  return o.exit_code;
}

enum class RestoreCommand { kRestore, kThreePhase, kValidate };

int RunRestoreCommand(const CliArgs& a, RestoreCommand kind) {
  const char* name = kind == RestoreCommand::kValidate     ? "validate-restore"
                     : kind == RestoreCommand::kThreePhase ? "three-phase-restore"
                                                           : "restore";
  auto config = LoadRestoreConfig(a, name);
  if (!config) return ReportError(config.error());
  auto store = OpenStoreForConfig(*config, a.path);
  if (!store) return ReportError(store.error());
  if (auto st = DefaultTargetToBackupSource(*config, **store); !st) return ReportError(st.error());
  const RestoreWorkflowKind workflow = kind == RestoreCommand::kValidate     ? RestoreWorkflowKind::kPlanOnly
                                       : kind == RestoreCommand::kThreePhase ? RestoreWorkflowKind::kThreePhase
                                                                             : RestoreWorkflowKind::kRestore;
  auto outcome = RunRestoreWorkflow(*config, **store, workflow);
  if (!outcome) return ReportError(outcome.error());
  if (outcome->plan) return PrintPlan(a, *outcome->plan);
  if (outcome->three_phase) return PrintThreePhase(a, *outcome->three_phase);
  const auto& r = config->restore;
  int code = PrintRestore(a, *config, **store, *outcome->restore);
  if (code == 0 && outcome->part_restored_offsets_pending)
    spdlog::info("part {} of {} restored; consumer offsets are reset once every part has finished: "
                 "kafka-backup three-phase-restore --config {} --workers {} --after-parts",
                 r.part_index, r.parts, a.config_file, r.parts);
  return code;
}

}  // namespace

int RunValidateRestore(const CliArgs& a) { return RunRestoreCommand(a, RestoreCommand::kValidate); }
int RunRestore(const CliArgs& a) { return RunRestoreCommand(a, RestoreCommand::kRestore); }
int RunThreePhaseRestore(const CliArgs& a) { return RunRestoreCommand(a, RestoreCommand::kThreePhase); }

void AddRestoreCommands(CommandRegistry& r) {
  auto& a = r.args;
  auto* restore = r.app.add_subcommand("restore", "Restore a backup, optionally to a point in time");
  AddRestoreFlags(restore, a);
  r.OnRun(restore, RunRestore);

  auto* three = r.app.add_subcommand("three-phase-restore", "Snapshot groups, restore, then reset consumer offsets");
  AddRestoreFlags(three, a);
  three->add_flag("--after-parts", a.after_parts,
                  "With --workers N: restore nothing; once all N parts have finished, reset consumer offsets once");
  r.OnRun(three, RunThreePhaseRestore);

  auto* validate =
      r.app.add_subcommand("validate-restore", "Show what a restore would write, and problems, without writing");
  AddRestoreFlags(validate, a);
  r.OnRun(validate, RunValidateRestore);
}

}  // namespace kb::cli
