#include "offsets/offset_snapshot.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>

#include "core/time_util.h"
#include "kafka/group_offsets.h"

namespace kb::offsets {

std::string NewSnapshotId(int64_t now_ms) {
  thread_local std::mt19937 rng{std::random_device{}()};
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06x", std::uniform_int_distribution<unsigned>(0, 0xffffff)(rng));
  return "snapshot-" + CompactTimestampMs(now_ms) + "-" + suffix;
}

Result<OffsetSnapshot> TakeSnapshot(kafka::AdminClient& admin, const std::vector<std::string>& groups,
                                    bool all_groups, const std::string& description) {
  if (groups.empty() && !all_groups)
    return Fail(ErrorCode::kInvalidArgument, "no consumer group named: pass --groups a,b or --all-groups");
  // Every partition of the groups, whatever the topic: a snapshot is a whole-group safety net.
  KB_ASSIGN_OR_RETURN(auto c, kafka::ReadCommittedOffsets(admin, all_groups ? std::vector<std::string>{} : groups, {}));
  OffsetSnapshot s;
  s.created_at_ms = c.read_at_ms;
  s.snapshot_id = NewSnapshotId(s.created_at_ms);
  s.description = description;
  s.cluster_id = c.cluster_id;
  s.bootstrap_servers = admin.bootstrap();
  s.groups = std::move(c.groups);
  return s;
}

}  // namespace kb::offsets
