#include "kafka/group_offsets.h"

#include <algorithm>

#include "core/time_util.h"

namespace kb::kafka {

Result<CommittedOffsets> ReadCommittedOffsets(AdminClient& admin, const std::vector<std::string>& groups,
                                              const std::set<std::string>& topics, const std::string& skip_group) {
  CommittedOffsets c;
  c.read_at_ms = NowMs();
  KB_ASSIGN_OR_RETURN(auto meta, admin.Metadata());
  c.cluster_id = meta.cluster_id;
  std::vector<std::string> names = groups;
  if (names.empty()) {
    KB_ASSIGN_OR_RETURN(auto listing, admin.ListConsumerGroups());
    for (const auto& l : listing) names.push_back(l.group_id);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (!skip_group.empty()) names.erase(std::remove(names.begin(), names.end(), skip_group), names.end());
  for (const auto& name : names) {
    GroupOffsets g;
    g.group = name;
    KB_ASSIGN_OR_RETURN(auto desc, admin.DescribeConsumerGroup(name));
    g.state = GroupStateName(desc.state);
    KB_ASSIGN_OR_RETURN(auto committed, admin.ListGroupOffsets(name));
    for (auto& o : committed)
      if (o.offset >= 0 && (topics.empty() || topics.count(o.topic))) g.offsets.push_back(std::move(o));
    if (g.offsets.empty() && groups.empty()) continue;
    c.groups.push_back(std::move(g));
  }
  return c;
}

}  // namespace kb::kafka
