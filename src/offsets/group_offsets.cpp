#include "offsets/group_offsets.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/time_util.h"
#include "format/object_keys.h"

namespace kb::offsets {

using nlohmann::json;

const GroupOffsets* OffsetCapture::Find(const std::string& group) const {
  for (const auto& g : groups)
    if (g.group == group) return &g;
  return nullptr;
}

json GroupsToJson(const std::vector<GroupOffsets>& groups) {
  json out = json::array();
  for (const auto& g : groups) {
    json jg{{"group", g.group}, {"state", g.state}, {"offsets", json::array()}};
    for (const auto& o : g.offsets)
      jg["offsets"].push_back({{"topic", o.topic}, {"partition", o.partition}, {"offset", o.offset}, {"metadata", o.metadata}});
    out.push_back(std::move(jg));
  }
  return out;
}

std::vector<GroupOffsets> GroupsFromJson(const json& groups) {
  std::vector<GroupOffsets> out;
  for (const auto& jg : groups) {
    GroupOffsets g;
    g.group = jg.at("group").get<std::string>();
    g.state = jg.value("state", "");
    for (const auto& jo : jg.at("offsets")) {
      kafka::GroupOffset o;
      o.topic = jo.at("topic").get<std::string>();
      o.partition = jo.at("partition").get<int32_t>();
      o.offset = jo.at("offset").get<int64_t>();
      o.metadata = jo.value("metadata", "");
      g.offsets.push_back(std::move(o));
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::string SerializeOffsetCapture(const OffsetCapture& c) {
  json j;
  j["format_version"] = c.format_version;
  j["captured_at_ms"] = c.captured_at_ms;
  j["captured_at"] = FormatTimestampMs(c.captured_at_ms);
  j["cluster_id"] = c.cluster_id;
  j["groups"] = GroupsToJson(c.groups);
  return j.dump(2);
}

Result<OffsetCapture> ParseOffsetCapture(const std::string& text, const std::string& key) {
  try {
    json j = json::parse(text);
    OffsetCapture c;
    c.format_version = j.at("format_version").get<int>();
    if (c.format_version > 1)
      return Fail(ErrorCode::kInvalidArgument, key + " has format_version " + std::to_string(c.format_version) +
                                                   "; this kafka-backup reads version 1: upgrade it");
    c.captured_at_ms = j.at("captured_at_ms").get<int64_t>();
    c.cluster_id = j.value("cluster_id", "");
    c.groups = GroupsFromJson(j.at("groups"));
    return c;
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kCorrupt, "consumer offset capture " + key + " is not valid: " + e.what());
  }
}

Result<OffsetCapture> CaptureGroupOffsets(kafka::AdminClient& admin, const std::vector<std::string>& groups,
                                          const std::set<std::string>& topics, const std::string& skip_group) {
  OffsetCapture c;
  c.captured_at_ms = NowMs();
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
    g.state = kafka::GroupStateName(desc.state);
    KB_ASSIGN_OR_RETURN(auto committed, admin.ListGroupOffsets(name));
    for (auto& o : committed)
      if (o.offset >= 0 && (topics.empty() || topics.count(o.topic))) g.offsets.push_back(std::move(o));
    if (g.offsets.empty() && groups.empty()) continue;
    c.groups.push_back(std::move(g));
  }
  return c;
}

Status StoreCapture(ObjectStore& store, const std::string& backup_id, const OffsetCapture& c) {
  return store.Put(format::OffsetCaptureKey(backup_id, c.captured_at_ms), SerializeOffsetCapture(c));
}

Result<std::optional<OffsetCapture>> LoadCaptureAsOf(ObjectStore& store, const std::string& backup_id,
                                                     std::optional<int64_t> as_of_ms) {
  KB_ASSIGN_OR_RETURN(auto objects, store.List(format::OffsetCapturePrefix(backup_id)));
  // Keys embed the zero-padded capture time, so key order is time order: walk newest first.
  std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.key > b.key; });
  for (const auto& obj : objects) {
    // The key's file name is the capture time; skip later captures without fetching them.
    std::string name = obj.key.substr(obj.key.rfind('/') + 1);
    if (as_of_ms && name.size() > 5 && std::all_of(name.begin(), name.end() - 5, ::isdigit) &&
        std::stoll(name.substr(0, name.size() - 5)) > *as_of_ms)
      continue;
    KB_ASSIGN_OR_RETURN(std::string text, store.Get(obj.key));
    KB_ASSIGN_OR_RETURN(OffsetCapture c, ParseOffsetCapture(text, obj.key));
    if (!as_of_ms || c.captured_at_ms <= *as_of_ms) return std::optional<OffsetCapture>(std::move(c));
  }
  return std::optional<OffsetCapture>();
}

}  // namespace kb::offsets
