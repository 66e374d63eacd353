// snapshot-groups --config FILE: capture the committed offsets of consumer groups on the
// backed-up topics now, and append the capture to the backup (as the backup itself does).
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "catalog/documents.h"
#include "cli/cli_common.h"
#include "cli/cli_flags.h"
#include "cli/commands.h"
#include "config/kafka_options.h"
#include "core/time_util.h"
#include "kafka/admin_client.h"
#include "kafka/group_offsets.h"

namespace kb::cli {

int RunSnapshotGroups(const CliArgs& a) {
  auto config = LoadConfigWithOverrides(a);
  if (!config) return ReportError(config.error());
  if (config->backup_id.empty())
    return ReportError(Error{ErrorCode::kInvalidArgument, a.config_file + " has no backup_id: the capture is stored under it", false, false});
  if (!config->source)
    return ReportError(Error{ErrorCode::kInvalidArgument, a.config_file + " has no source section: snapshot-groups reads "
                                                          "the source cluster's consumer groups", false, false});
  auto store = OpenStoreForConfig(*config, a.path);
  if (!store) return ReportError(store.error());
  auto admin = kafka::AdminClient::Create(ToKafkaClientConfig(*config->source));
  if (!admin) return ReportError(admin.error());
  // The backed-up topics: those the config's selection matches now.
  auto topics = SelectTopics(**admin, *config->source, config->backup.include_internal_topics);
  if (!topics) return ReportError(topics.error());
  const std::set<std::string> selected(topics->begin(), topics->end());
  if (selected.empty())
    return ReportError(Error{ErrorCode::kNotFound, "no topic of " + (*admin)->bootstrap() + " matches the config's "
                                                   "source topics: nothing to capture", false, false});
  auto capture = kafka::ReadCommittedOffsets(**admin, config->backup.consumer_groups, selected).transform(format::ToCapture);
  if (!capture) return ReportError(capture.error());
  auto key = StoreOffsetCapture(**store, config->backup_id, *capture);
  if (!key) return ReportError(key.error());

  nlohmann::json doc{{"backup_id", config->backup_id}, {"captured_at", FormatTimestampMs(capture->captured_at_ms)},
                     {"captured_at_ms", capture->captured_at_ms},
                     {"key", *key},
                     {"groups", nlohmann::json::array()}};
  for (const auto& g : capture->groups) doc["groups"].push_back({{"group", g.group}, {"state", g.state}, {"partitions", g.offsets.size()}});
  PrintReport(a, doc, [&] {
    std::cout << "Captured consumer offsets for backup " << config->backup_id << " at "
              << FormatTimestampMs(capture->captured_at_ms) << " (" << capture->groups.size() << " group(s))\n";
    for (const auto& g : capture->groups) {
      std::cout << "  " << g.group << " (" << g.state << "): " << g.offsets.size() << " partition(s)\n";
      for (const auto& o : g.offsets) std::cout << "    " << o.topic << ":" << o.partition << " = " << o.offset << "\n";
    }
  });
  return 0;
}

void AddSnapshotGroupsCommand(CommandRegistry& r) {
  auto* cmd = r.app.add_subcommand("snapshot-groups", "Capture consumer-group offsets on the backed-up topics now");
  AddConfig(cmd, r.args);
  AddFormat(cmd, r.args);
  r.OnRun(cmd, RunSnapshotGroups);
}

}  // namespace kb::cli
