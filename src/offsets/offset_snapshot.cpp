#include "offsets/offset_snapshot.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>

#include "core/time_util.h"
#include "format/object_keys.h"

namespace kb::offsets {

using nlohmann::json;

const GroupOffsets* OffsetSnapshot::Find(const std::string& group) const {
  for (const auto& g : groups)
    if (g.group == group) return &g;
  return nullptr;
}

size_t OffsetSnapshot::partition_count() const {
  size_t n = 0;
  for (const auto& g : groups) n += g.offsets.size();
  return n;
}

std::string NewSnapshotId(int64_t now_ms) {
  thread_local std::mt19937 rng{std::random_device{}()};
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06x", std::uniform_int_distribution<unsigned>(0, 0xffffff)(rng));
  return "snapshot-" + CompactTimestampMs(now_ms) + "-" + suffix;
}

bool IsSnapshotId(const std::string& id) {
  // Ids become object keys: keep them to a safe alphabet.
  if (id.rfind("snapshot-", 0) != 0 || id.size() < 10 || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; });
}

json SnapshotToJson(const OffsetSnapshot& s) {
  json j;
  j["format_version"] = s.format_version;
  j["snapshot_id"] = s.snapshot_id;
  j["created_at_ms"] = s.created_at_ms;
  j["created_at"] = FormatTimestampMs(s.created_at_ms);
  j["description"] = s.description;
  j["cluster_id"] = s.cluster_id;
  j["bootstrap_servers"] = s.bootstrap_servers;
  j["groups"] = GroupsToJson(s.groups);
  return j;
}

Result<OffsetSnapshot> ParseSnapshot(const std::string& text, const std::string& key) {
  try {
    json j = json::parse(text);
    OffsetSnapshot s;
    s.format_version = j.at("format_version").get<int>();
    if (s.format_version > 1)
      return Fail(ErrorCode::kInvalidArgument, "offset snapshot " + key + " has format_version " +
                                                   std::to_string(s.format_version) + "; this kafka-backup reads version 1: upgrade it");
    s.snapshot_id = j.at("snapshot_id").get<std::string>();
    s.created_at_ms = j.at("created_at_ms").get<int64_t>();
    s.description = j.value("description", "");
    s.cluster_id = j.value("cluster_id", "");
    s.bootstrap_servers = j.value("bootstrap_servers", "");
    s.groups = GroupsFromJson(j.at("groups"));
    return s;
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kCorrupt, "offset snapshot " + key + " is not valid: " + e.what());
  }
}

Result<OffsetSnapshot> TakeSnapshot(kafka::AdminClient& admin, const std::vector<std::string>& groups,
                                    bool all_groups, const std::string& description) {
  if (groups.empty() && !all_groups)
    return Fail(ErrorCode::kInvalidArgument, "no consumer group named: pass --groups a,b or --all-groups");
  // Every partition of the groups, whatever the topic: a snapshot is a whole-group safety net.
  KB_ASSIGN_OR_RETURN(OffsetCapture c, CaptureGroupOffsets(admin, all_groups ? std::vector<std::string>{} : groups, {}));
  OffsetSnapshot s;
  s.created_at_ms = c.captured_at_ms;
  s.snapshot_id = NewSnapshotId(s.created_at_ms);
  s.description = description;
  s.cluster_id = c.cluster_id;
  s.bootstrap_servers = admin.bootstrap();
  s.groups = std::move(c.groups);
  return s;
}

Status SaveSnapshot(ObjectStore& store, const OffsetSnapshot& s) {
  if (!IsSnapshotId(s.snapshot_id))
    return Fail(ErrorCode::kInvalidArgument, "snapshot id '" + s.snapshot_id + "' is not a valid snapshot id");
  return store.Put(format::SnapshotKey(s.snapshot_id), SnapshotToJson(s).dump(2));
}

Result<OffsetSnapshot> LoadSnapshot(ObjectStore& store, const std::string& id) {
  if (!IsSnapshotId(id))
    return Fail(ErrorCode::kInvalidArgument, "'" + id + "' is not a snapshot id (ids look like snapshot-20261124T101530123Z-1a2b3c): "
                                             "see `kafka-backup offset-rollback list --path ...`");
  std::string key = format::SnapshotKey(id);
  auto text = store.Get(key);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound)
      return Fail(ErrorCode::kNotFound, "snapshot " + id + " not found in " + store.Describe() +
                                            ": see `kafka-backup offset-rollback list --path ...`");
    return tl::unexpected(text.error());
  }
  return ParseSnapshot(*text, key);
}

Result<std::vector<OffsetSnapshot>> ListSnapshots(ObjectStore& store) {
  KB_ASSIGN_OR_RETURN(auto objects, store.List(format::SnapshotPrefix()));
  std::vector<OffsetSnapshot> out;
  for (const auto& o : objects) {
    if (o.key.size() < 5 || o.key.compare(o.key.size() - 5, 5, ".json") != 0) continue;
    KB_ASSIGN_OR_RETURN(std::string text, store.Get(o.key));
    KB_ASSIGN_OR_RETURN(OffsetSnapshot s, ParseSnapshot(text, o.key));
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const OffsetSnapshot& a, const OffsetSnapshot& b) {
    if (a.created_at_ms != b.created_at_ms) return a.created_at_ms > b.created_at_ms;
    return a.snapshot_id > b.snapshot_id;
  });
  return out;
}

Status DeleteSnapshot(ObjectStore& store, const std::string& id) {
  KB_TRY(LoadSnapshot(store, id));  // a typo must not look like success
  KB_ASSIGN_OR_RETURN(DeleteResult deleted, store.Delete(format::SnapshotKey(id)));
  if (deleted.kept)
    return Fail(ErrorCode::kConflict,
                "snapshot " + id + " is held by the storage's retention (Object Lock)" +
                    (deleted.kept_until_ms > 0 ? " until " + FormatTimestampMs(deleted.kept_until_ms) : "") +
                    " and cannot be deleted yet");
  return {};
}

}  // namespace kb::offsets
