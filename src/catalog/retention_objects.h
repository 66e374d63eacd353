// The objects retention removes, and the floors it writes: prune and delete ask here which keys
// they may remove, so the catalog's key layout stays inside src/catalog and src/format.
//
// Costs: each listing reads the pages up to what it removes (segments and checkpoints from the
// oldest, commits skipping to the removed ones within each run), not the partition's whole history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/catalog_docs.h"
#include "kafka/types.h"
#include "storage/backend.h"

namespace kb {

// Every object of one partition that no reader needs once its chain starts at `floor_from` and
// its commits and checkpoints up to `unread_through_seq` are no longer read: segments ending
// before the floor, those checkpoints and commits, and floors older than the newest.
Result<std::vector<ObjectInfo>> ObjectsBelowFloor(ObjectStore& store, const std::string& backup_id,
                                                  const kafka::TopicPartition& tp, int64_t floor_from,
                                                  int64_t unread_through_seq);

// Offset captures taken at or before `horizon_ms`, except the newest of them, so the groups'
// positions at the horizon stay known.
Result<std::vector<ObjectInfo>> CapturesBeforeHorizon(ObjectStore& store, const std::string& backup_id,
                                                      int64_t horizon_ms);

// Writes a partition's floor. Floors are write-once: one already there (a prune re-run after a
// crash) is left as it is.
Status StoreFloor(ObjectStore& store, const std::string& backup_id, const format::CatalogFloor& floor);

// A segment object (either format's key).
bool IsSegmentObject(const ObjectInfo& object);

// The objects whose presence makes a backup: its runs (format 2) and its manifest (format 1).
bool MakesTheBackup(const std::string& backup_id, const std::string& key);

}  // namespace kb
