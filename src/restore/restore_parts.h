// Parallel restore: N machines restore one backup together (restore --workers N --worker-index I).
// The selected partitions are split by target partition, in sorted order, so every target
// partition is written by exactly one part and each part's restore is an ordinary restore of its
// share: resumable, with its own report and offset mapping, under a restore id that names the part.
// Consumer offsets are reset once, after every part has finished (three-phase-restore --workers N
// --after-parts): the parts' mappings are merged into one, as if one machine had restored it all.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "restore/restore_engine.h"
#include "restore/restore_selection.h"
#include "storage/backend.h"

namespace kb {

// "-part-2-of-4": the end of a part's restore id ("" for a restore in one piece).
std::string RestorePartSuffix(int parts, int index);

// Keeps the partitions of part `index` of `parts`. A repartitioning restore writes every target
// partition from every source partition and cannot be split: kInvalidArgument.
Status KeepRestorePart(int parts, int index, std::vector<SelectedPartition>& partitions);

// The target's bootstrap servers, sorted and comma-separated.
std::string TargetBootstrapList(const Config& config);

// What must match for a restore to continue another one, or for parts to belong together.
std::string RestoreFingerprint(const Config& config);

// The newest complete restore of every part of `config` (same fingerprint), merged into one
// result whose mapping covers them all, stored as a restore of its own. kNotFound naming the
// parts still missing (and how to run them) when any part has not finished.
Result<RestoreResult> GatherRestoreParts(const Config& config, ObjectStore& store);

}  // namespace kb
