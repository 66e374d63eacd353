#include "catalog/retention_objects.h"

#include "format/object_keys.h"
#include "storage/list_pages.h"

namespace kb {

Result<std::vector<ObjectInfo>> ObjectsBelowFloor(ObjectStore& store, const std::string& backup_id,
                                                  const kafka::TopicPartition& tp, int64_t floor_from,
                                                  int64_t unread_through_seq) {
  std::vector<ObjectInfo> out;
  const int64_t through = unread_through_seq;
  // Segments, lowest offsets first: those that end before the floor.
  KB_TRY(ListPages(store, format::SegmentPrefix(backup_id, tp.topic, tp.partition), "",
                   [&](const ObjectInfo& o, std::optional<std::string>*) {
                     int64_t first = 0, last = 0;
                     if (!format::ParseSegmentKey(o.key, &first, &last)) return true;
                     if (first >= floor_from) return false;
                     if (last < floor_from) out.push_back(o);
                     return true;
                   }));
  // Checkpoints, oldest first.
  KB_TRY(ListPages(store, format::CatalogCheckpointPrefix(backup_id, tp.topic, tp.partition), "",
                   [&](const ObjectInfo& o, std::optional<std::string>*) {
                     const int64_t seq = format::CatalogCheckpointKeySeq(o.key);
                     if (seq > through) return false;
                     if (seq >= 0) out.push_back(o);
                     return true;
                   }));
  // Commits sort by run, then highest seq first: within each run, skip to the commits at or below
  // `through`, so the listing costs what is removed plus one request per run.
  if (through > 0) {
    KB_TRY(ListPages(store, format::CatalogCommitPrefix(backup_id, tp.topic, tp.partition), "",
                     [&](const ObjectInfo& o, std::optional<std::string>* jump) {
                       const int64_t seq = format::CatalogCommitKeySeq(o.key);
                       if (seq < 0) return true;
                       if (seq <= through) {
                         out.push_back(o);
                       } else {
                         *jump = format::CatalogCommitKey(backup_id, tp.topic, tp.partition,
                                                          format::CatalogCommitKeyRunId(o.key), through + 1);
                       }
                       return true;
                     }));
  }
  // Floors older than the newest, which sorts first.
  bool newest = true;
  KB_TRY(ListPages(store, format::CatalogFloorPrefix(backup_id, tp.topic, tp.partition), "",
                   [&](const ObjectInfo& o, std::optional<std::string>*) {
                     if (!newest) out.push_back(o);
                     newest = false;
                     return true;
                   }));
  return out;
}

Result<std::vector<ObjectInfo>> CapturesBeforeHorizon(ObjectStore& store, const std::string& backup_id,
                                                      int64_t horizon_ms) {
  std::vector<ObjectInfo> old;
  KB_TRY(ListPages(store, format::OffsetCapturePrefix(backup_id), "", [&](const ObjectInfo& o, std::optional<std::string>*) {
    const int64_t t = format::OffsetCaptureKeyTime(o.key);
    if (t > horizon_ms) return false;
    if (t >= 0) old.push_back(o);
    return true;
  }));
  if (!old.empty()) old.pop_back();
  return old;
}

Status StoreFloor(ObjectStore& store, const std::string& backup_id, const format::CatalogFloor& floor) {
  const std::string key = format::CatalogFloorKey(backup_id, floor.topic, floor.partition, floor.from);
  auto exists = store.Size(key);
  if (exists) return {};
  if (exists.error().code != ErrorCode::kNotFound) return Fail(exists.error());
  return store.Put(key, format::Serialize(floor));
}

bool IsSegmentObject(const ObjectInfo& object) {
  int64_t first = 0, last = 0;
  return format::ParseSegmentKey(object.key, &first, &last);
}

bool MakesTheBackup(const std::string& backup_id, const std::string& key) {
  return key.rfind(format::CatalogRunsPrefix(backup_id), 0) == 0 || key == format::ManifestKey(backup_id);
}

}  // namespace kb
