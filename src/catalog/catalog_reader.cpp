#include "catalog/catalog_reader.h"

#include <algorithm>
#include <deque>
#include <mutex>

#include "core/parallel.h"
#include "core/sha256.h"
#include "format/object_keys.h"

namespace kb {
namespace {

// Partitions whose chains load at once: each load is a handful of small sequential requests.
constexpr size_t kLoadThreads = 16;

std::string Where(const std::string& topic, int32_t partition) {
  return "topic=" + topic + " partition=" + std::to_string(partition);
}

Error NotFoundError(ObjectStore& store, const std::string& backup_id) {
  return Error{ErrorCode::kNotFound,
               "backup '" + backup_id + "' not found in " + store.Describe() +
                   ": check --path and --backup-id (the list command shows the backups there)"};
}

// Fetches a catalog object that `ref` names and checks its bytes against the recorded hash.
Result<std::string> FetchChecked(ObjectStore& store, const format::DocRef& ref, const std::string& where,
                                 const std::string& what) {
  auto bytes = store.Get(ref.key);
  if (!bytes) {
    if (bytes.error().code != ErrorCode::kNotFound) return Fail(bytes.error());
    return FailDataLoss(where + ": the backup's chain is broken: " + what + " " + ref.key +
                                         " (seq " + std::to_string(ref.seq) + ") is missing from storage");
  }
  if (Sha256Hex(*bytes) != ref.sha256)
    return FailDataLoss(where + ": the backup's chain is broken: " + what + " " + ref.key + " (seq " +
                                         std::to_string(ref.seq) + ") was altered: its SHA-256 is not the one " +
                                         "its successor recorded");
  return bytes;
}

Status CheckCommitIdentity(const format::CatalogCommit& c, const std::string& backup_id, const std::string& topic,
                           int32_t partition, const std::string& key, const std::string& where) {
  if (c.topic != topic || c.partition != partition ||
      format::CatalogCommitKey(backup_id, topic, partition, c.run_id, c.seq) != key ||
      format::CatalogRunEpoch(c.run_id) != c.epoch)
    return Fail(ErrorCode::kCorrupt, where + ": catalog commit " + key + " does not describe the commit its key names");
  return {};
}

// Each entry is a stretch [from, to) that starts where the previous one ended, and its segment or
// gap lies inside it.
Status CheckChain(const std::vector<format::ChainEntry>& entries, const std::string& where) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    auto bad = [&](const std::string& why) {
      return FailDataLoss(where + ": the backup's chain is broken at offsets " + std::to_string(e.from) +
                                           ".." + std::to_string(e.to) + ": " + why);
    };
    if (e.to < e.from) return bad("the stretch ends before it starts");
    if (i > 0 && e.from != entries[i - 1].to)
      return FailDataLoss(
                  where + ": the backup's chain is broken between offsets " +
                      std::to_string(std::min(e.from, entries[i - 1].to)) + " and " +
                      std::to_string(std::max(e.from, entries[i - 1].to)) +
                      ": no segment or recorded gap covers them (a catalog entry was removed or altered)");
    if (e.segment && e.gap) return bad("it holds both a segment and a gap");
    if (e.segment && (e.segment->first_offset < e.from || e.segment->last_offset >= e.to ||
                      e.segment->first_offset > e.segment->last_offset))
      return bad("segment " + e.segment->key + " holds offsets " + std::to_string(e.segment->first_offset) + ".." +
                 std::to_string(e.segment->last_offset) + " outside it");
    if (e.gap && (e.gap->from_offset != e.from || e.gap->to_offset != e.to - 1))
      return bad("its gap does not cover it");
  }
  return {};
}

// The newest floor prune wrote for a partition, if any: one listing of at most one key.
Result<std::optional<format::CatalogFloor>> LoadFloor(ObjectStore& store, const std::string& backup_id,
                                                      const std::string& topic, int32_t partition) {
  ListOptions newest;
  newest.max_keys = 1;
  KB_ASSIGN_OR_RETURN(auto listed, store.List(format::CatalogFloorPrefix(backup_id, topic, partition), newest));
  if (listed.empty()) return std::optional<format::CatalogFloor>{};
  KB_ASSIGN_OR_RETURN(std::string bytes, store.Get(listed[0].key));
  auto floor = format::ParseCatalogFloor(bytes);
  if (!floor) return Fail(floor.error().With(Where(topic, partition) + " floor=" + listed[0].key));
  if (floor->topic != topic || floor->partition != partition ||
      format::CatalogFloorKey(backup_id, topic, partition, floor->from) != listed[0].key)
    return Fail(ErrorCode::kCorrupt, Where(topic, partition) + ": catalog floor " + listed[0].key +
                                         " does not describe the floor its key names");
  return std::optional<format::CatalogFloor>(std::move(*floor));
}

// Drops the entries before the floor, which must fall on a boundary of the chain.
Status DropBeforeFloor(std::vector<format::ChainEntry>& entries, const format::CatalogFloor& floor,
                       const std::string& where) {
  auto keep = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.to > floor.from; });
  const bool on_boundary = keep == entries.end() ? entries.back().to == floor.from : keep->from == floor.from;
  if (!on_boundary && entries.front().from <= floor.from)
    return Fail(ErrorCode::kCorrupt, where + ": the catalog floor at offset " + std::to_string(floor.from) +
                                         " does not fall on a boundary of the partition's chain");
  entries.erase(entries.begin(), keep);
  return {};
}

struct LoadedPartition {
  PartitionHead head;
  format::PartitionManifest view;
  format::PartitionTotals figures;
};

// A partition's figures from its newest commit's totals, less what its floor says was pruned.
format::PartitionTotals FiguresFromHead(const format::PartitionTotals& totals,
                                        const std::optional<format::CatalogFloor>& floor) {
  if (!floor) return totals;
  format::PartitionTotals out = totals;
  const auto& gone = floor->pruned;
  out.records -= std::min(out.records, gone.records);
  out.raw_bytes -= std::min(out.raw_bytes, gone.raw_bytes);
  out.stored_bytes -= std::min(out.stored_bytes, gone.stored_bytes);
  out.segments -= std::min(out.segments, gone.segments);
  out.gaps -= std::min(out.gaps, gone.gaps);
  out.gap_records -= std::min(out.gap_records, gone.gap_records);
  // The oldest record kept is not known without reading the chain; the floor's time bounds it.
  out.min_timestamp = std::max(out.min_timestamp, floor->earliest_restorable_ms);
  return out;
}

// A format-1 partition's figures, from its segments and gaps.
format::PartitionTotals FiguresOf(const format::PartitionManifest& p) {
  format::PartitionTotals out;
  for (const auto& s : p.segments) {
    format::ChainEntry e;
    e.segment = s;
    out.Add(e);
  }
  for (const auto& g : p.gaps) {
    format::ChainEntry e;
    e.from = g.from_offset;
    e.to = g.to_offset + 1;
    e.gap = g;
    out.Add(e);
  }
  return out;
}

}  // namespace

Result<std::optional<PartitionChain>> LoadPartitionChain(ObjectStore& store, const std::string& backup_id,
                                                         const std::string& topic, int32_t partition,
                                                         CatalogDepth depth) {
  const std::string where = Where(topic, partition);
  ListOptions newest;
  newest.max_keys = 1;
  KB_ASSIGN_OR_RETURN(auto listed, store.List(format::CatalogCommitPrefix(backup_id, topic, partition), newest));
  if (listed.empty()) return std::optional<PartitionChain>{};

  PartitionChain out;
  KB_ASSIGN_OR_RETURN(std::string head_bytes, store.Get(listed[0].key));
  auto head = format::ParseCatalogCommit(head_bytes);
  if (!head) return Fail(head.error().With(where + " commit=" + listed[0].key));
  KB_TRY(CheckCommitIdentity(*head, backup_id, topic, partition, listed[0].key, where));
  out.head.seq = head->seq;
  out.head.commit = format::DocRef{listed[0].key, Sha256Hex(head_bytes), head->seq};
  out.head.checkpoint = head->checkpoint;
  out.head.totals = head->totals;

  // The commits after the newest checkpoint, oldest first.
  const int64_t checkpoint_seq = head->checkpoint ? head->checkpoint->seq : 0;
  std::deque<format::CatalogCommit> tail{std::move(*head)};
  while (tail.front().seq > checkpoint_seq + 1) {
    const auto& cur = tail.front();
    if (!cur.prev || cur.prev->seq != cur.seq - 1)
      return Fail(ErrorCode::kCorrupt, where + ": catalog commit seq " + std::to_string(cur.seq) +
                                           " does not name the commit before it");
    KB_ASSIGN_OR_RETURN(std::string bytes, FetchChecked(store, *cur.prev, where, "catalog commit"));
    auto prev = format::ParseCatalogCommit(bytes);
    if (!prev) return Fail(prev.error().With(where + " commit=" + cur.prev->key));
    KB_TRY(CheckCommitIdentity(*prev, backup_id, topic, partition, cur.prev->key, where));
    if (prev->seq != cur.seq - 1)
      return Fail(ErrorCode::kCorrupt, where + ": catalog commit " + cur.prev->key + " is not seq " +
                                           std::to_string(cur.seq - 1));
    tail.push_front(std::move(*prev));
  }
  if (checkpoint_seq == 0 && tail.front().prev)
    return Fail(ErrorCode::kCorrupt, where + ": catalog commit seq 1 names a predecessor");
  for (const auto& c : tail)
    out.head.since_checkpoint.insert(out.head.since_checkpoint.end(), c.entries.begin(), c.entries.end());
  if (out.head.since_checkpoint.empty())
    return Fail(ErrorCode::kCorrupt, where + ": the partition's newest commits hold no entry");
  out.tail_from = out.head.since_checkpoint.front().from;

  // A pruned partition's chain starts at its floor: what lies before it is not read.
  if (depth != CatalogDepth::kHeads) {
    KB_ASSIGN_OR_RETURN(out.floor, LoadFloor(store, backup_id, topic, partition));
  }
  int64_t earliest_loaded = out.tail_from;
  auto floor_reached = [&] { return out.floor && earliest_loaded <= out.floor->from; };

  // The checkpoints, newest first; each one's entries are a chunk of the chain.
  std::vector<std::vector<format::ChainEntry>> chunks;
  std::optional<format::DocRef> cp_ref = out.head.checkpoint;
  const format::DocRef* expect_commit = tail.front().prev ? &*tail.front().prev : nullptr;
  // kSummary checks the newest checkpoint against the commits after it, and reads no further.
  auto read_more = [&] { return depth == CatalogDepth::kFull || (depth == CatalogDepth::kSummary && chunks.empty()); };
  while (cp_ref && read_more() && !floor_reached()) {
    KB_ASSIGN_OR_RETURN(std::string bytes, FetchChecked(store, *cp_ref, where, "catalog checkpoint"));
    auto cp = format::ParseCatalogCheckpoint(bytes);
    if (!cp) return Fail(cp.error().With(where + " checkpoint=" + cp_ref->key));
    if (cp->topic != topic || cp->partition != partition || cp->seq != cp_ref->seq ||
        (cp->prev && cp->prev->seq >= cp->seq) || cp->entries.empty())
      return Fail(ErrorCode::kCorrupt, where + ": catalog checkpoint " + cp_ref->key + " does not fit the chain");
    // The newest checkpoint must cover exactly the commit the tail continues from.
    if (expect_commit && (cp->commit.key != expect_commit->key || cp->commit.sha256 != expect_commit->sha256))
      return FailDataLoss(where + ": the backup's chain is broken: checkpoint " + cp_ref->key +
                                           " does not cover the commit its successor follows");
    expect_commit = nullptr;
    earliest_loaded = cp->entries.front().from;
    out.checkpoints_read.push_back({earliest_loaded, cp->prev ? cp->prev->seq : 0});
    chunks.push_back(std::move(cp->entries));
    cp_ref = cp->prev;
  }

  for (auto it = chunks.rbegin(); it != chunks.rend(); ++it)
    out.entries.insert(out.entries.end(), it->begin(), it->end());
  out.entries.insert(out.entries.end(), out.head.since_checkpoint.begin(), out.head.since_checkpoint.end());
  KB_TRY(CheckChain(out.entries, where));
  out.head.to = out.entries.back().to;
  if (depth != CatalogDepth::kFull) return std::optional<PartitionChain>(std::move(out));
  format::PartitionTotals recount;
  if (out.floor) {
    KB_TRY(DropBeforeFloor(out.entries, *out.floor, where));
    recount = out.floor->pruned;
  }
  for (const auto& e : out.entries) recount.Add(e);
  if (!(recount == out.head.totals))
    return Fail(ErrorCode::kCorrupt, where + ": the partition's entries do not add up to the totals its newest " +
                                         "commit records (" + std::to_string(recount.records) + " records found, " +
                                         std::to_string(out.head.totals.records) + " recorded)");
  return std::optional<PartitionChain>(std::move(out));
}

int64_t UnreadThroughSeq(const PartitionChain& chain, int64_t floor_from) {
  // A reader stops at the first chunk, newest first, whose entries start at or before the floor.
  if (chain.tail_from <= floor_from) return chain.head.checkpoint ? chain.head.checkpoint->seq : 0;
  for (const auto& cp : chain.checkpoints_read)
    if (cp.from <= floor_from) return cp.after_seq;
  return 0;
}

namespace {

// One partition's chain as the view every engine reads. nullopt when it has no commit yet.
Result<std::optional<LoadedPartition>> LoadPartition(ObjectStore& store, const std::string& backup_id,
                                                     const std::string& topic, int32_t partition, CatalogDepth depth) {
  KB_ASSIGN_OR_RETURN(auto chain, LoadPartitionChain(store, backup_id, topic, partition, depth));
  if (!chain) return std::optional<LoadedPartition>{};
  LoadedPartition out;
  out.view.partition = partition;
  out.view.next_offset = chain->head.to;
  if (chain->floor) out.view.earliest_restorable_ms = chain->floor->earliest_restorable_ms;
  if (depth == CatalogDepth::kSummary) out.figures = FiguresFromHead(chain->head.totals, chain->floor);
  if (depth == CatalogDepth::kFull) {
    for (auto& e : chain->entries) {
      out.figures.Add(e);
      if (e.segment) out.view.segments.push_back(std::move(*e.segment));
      if (e.gap) out.view.gaps.push_back(std::move(*e.gap));
    }
  }
  out.head = std::move(chain->head);
  return std::optional<LoadedPartition>(std::move(out));
}

// A run and every topic it knows: those in its run document and those it added while it ran.
Result<std::map<std::string, format::RunTopic>> LoadRunTopics(ObjectStore& store, const std::string& backup_id,
                                                              const std::string& run_id, format::CatalogRun* run) {
  KB_ASSIGN_OR_RETURN(std::string run_bytes, store.Get(format::CatalogRunKey(backup_id, run_id)));
  auto parsed = format::ParseCatalogRun(run_bytes);
  if (!parsed) return Fail(parsed.error().With("backup_id=" + backup_id + " run=" + run_id));
  *run = std::move(*parsed);
  std::map<std::string, format::RunTopic> topics;
  for (auto& t : run->topics) topics[t.name] = std::move(t);
  // Topics this run added or grew while it ran, in the order it wrote them.
  KB_ASSIGN_OR_RETURN(auto added, store.List(format::CatalogRunTopicsPrefix(backup_id, run_id)));
  for (const auto& o : added) {
    KB_ASSIGN_OR_RETURN(std::string bytes, store.Get(o.key));
    auto t = format::ParseCatalogTopicAdded(bytes);
    if (!t) return Fail(t.error().With("backup_id=" + backup_id + " object=" + o.key));
    topics[t->topic.name] = std::move(t->topic);
  }
  return topics;
}

Result<CatalogState> LoadFormat2(ObjectStore& store, const std::string& backup_id, const std::string& run_id,
                                 CatalogDepth depth) {
  CatalogState state;
  state.format_version = 2;
  state.newest_run_id = run_id;
  format::CatalogRun run_doc;
  KB_ASSIGN_OR_RETURN(auto topics, LoadRunTopics(store, backup_id, run_id, &run_doc));
  const format::CatalogRun* run = &run_doc;
  auto& m = state.manifest;
  m.format_version = 2;
  m.backup_id = backup_id;
  m.mode = run->mode;
  m.compression = run->compression;
  m.cluster_id = run->cluster_id;
  m.source_bootstrap = run->source_bootstrap;
  m.tool_version = run->tool_version;
  m.created_at_ms = run->created_at_ms;
  m.updated_at_ms = run->started_at_ms;
  auto end = store.Get(format::CatalogRunEndKey(backup_id, run_id));
  if (end) {
    auto parsed = format::ParseCatalogRunEnd(*end);
    if (!parsed) return Fail(parsed.error().With("backup_id=" + backup_id + " run=" + run_id));
    m.status = parsed->status;
    m.updated_at_ms = std::max(m.updated_at_ms, parsed->ended_at_ms);
  } else if (end.error().code == ErrorCode::kNotFound) {
    m.status = "in_progress";
  } else {
    return Fail(end.error());
  }

  std::vector<kafka::TopicPartition> parts;
  for (const auto& [name, t] : topics) {
    format::TopicManifest tm;
    tm.name = name;
    tm.partition_count = t.partition_count;
    tm.replication_factor = t.replication_factor;
    tm.configs = t.configs;
    m.topics.push_back(std::move(tm));
    for (int32_t p = 0; p < t.partition_count; ++p) parts.push_back({name, p});
  }
  std::vector<Result<std::optional<LoadedPartition>>> loaded(parts.size(), std::optional<LoadedPartition>{});
  ParallelFor(parts.size(), kLoadThreads,
              [&](size_t i) { loaded[i] = LoadPartition(store, backup_id, parts[i].topic, parts[i].partition, depth); });
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!loaded[i]) return Fail(loaded[i].error().With("backup_id=" + backup_id));
    if (!*loaded[i]) continue;
    auto& lp = **loaded[i];
    const auto& t = topics[parts[i].topic];
    lp.view.end_offset_at_start = static_cast<size_t>(parts[i].partition) < t.end_offsets_at_start.size()
                                      ? t.end_offsets_at_start[parts[i].partition]
                                      : -1;
    state.heads[parts[i]] = std::move(lp.head);
    if (depth != CatalogDepth::kHeads) state.figures[parts[i]] = lp.figures;
    m.FindTopic(parts[i].topic)->partitions.push_back(std::move(lp.view));
  }
  return state;
}

}  // namespace

Result<std::string> NewestRunId(ObjectStore& store, const std::string& backup_id) {
  ListOptions newest;
  newest.directories = true;
  newest.max_keys = 1;
  const std::string prefix = format::CatalogRunsPrefix(backup_id);
  KB_ASSIGN_OR_RETURN(auto runs, store.List(prefix, newest));
  if (runs.empty() || runs[0].key.size() <= prefix.size() + 1 || runs[0].key.back() != '/') return std::string();
  return runs[0].key.substr(prefix.size(), runs[0].key.size() - prefix.size() - 1);
}

Result<std::vector<kafka::TopicPartition>> CatalogPartitions(ObjectStore& store, const std::string& backup_id) {
  KB_ASSIGN_OR_RETURN(std::string run_id, NewestRunId(store, backup_id));
  if (run_id.empty()) {
    auto size = store.Size(format::ManifestKey(backup_id));
    if (!size && size.error().code == ErrorCode::kNotFound) return Fail(NotFoundError(store, backup_id));
    if (!size) return Fail(size.error());
    return Fail(ErrorCode::kInvalidArgument,
                "backup '" + backup_id + "' in " + store.Describe() + " uses catalog format 1 (one manifest.json), " +
                    "which cannot be shortened: run a backup of it once with this version, which carries it over " +
                    "to format 2, then try again");
  }
  format::CatalogRun run;
  KB_ASSIGN_OR_RETURN(auto topics, LoadRunTopics(store, backup_id, run_id, &run));
  std::vector<kafka::TopicPartition> parts;
  for (const auto& [name, t] : topics)
    for (int32_t p = 0; p < t.partition_count; ++p) parts.push_back({name, p});
  return parts;
}

Result<CatalogState> LoadCatalog(ObjectStore& store, const std::string& backup_id, CatalogDepth depth) {
  KB_ASSIGN_OR_RETURN(std::string run_id, NewestRunId(store, backup_id));
  if (!run_id.empty()) return LoadFormat2(store, backup_id, run_id, depth);
  auto text = store.Get(format::ManifestKey(backup_id));
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return Fail(NotFoundError(store, backup_id));
    return Fail(text.error());
  }
  auto m = format::ParseManifest(*text);
  if (!m) return Fail(m.error().With("backup_id=" + backup_id));
  CatalogState state;
  state.format_version = 1;
  state.manifest = std::move(*m);
  for (const auto& t : state.manifest.topics)
    for (const auto& p : t.partitions) state.figures[{t.name, p.partition}] = FiguresOf(p);
  return state;
}

Result<format::Manifest> LoadManifest(ObjectStore& store, const std::string& backup_id) {
  KB_ASSIGN_OR_RETURN(auto state, LoadCatalog(store, backup_id));
  return std::move(state.manifest);
}

Result<std::vector<std::string>> ListBackupIds(ObjectStore& store) {
  ListOptions dirs;
  dirs.directories = true;
  KB_ASSIGN_OR_RETURN(auto top, store.List("", dirs));
  std::vector<std::string> ids;
  for (const auto& o : top) {
    if (o.key.empty() || o.key.back() != '/') continue;
    std::string id = o.key.substr(0, o.key.size() - 1);
    KB_ASSIGN_OR_RETURN(std::string run, NewestRunId(store, id));
    bool is_backup = !run.empty();
    if (!is_backup) {
      auto size = store.Size(format::ManifestKey(id));
      if (!size && size.error().code != ErrorCode::kNotFound) return Fail(size.error());
      is_backup = size.has_value();
    }
    if (is_backup) ids.push_back(std::move(id));
  }
  return ids;
}

Result<std::map<kafka::TopicPartition, std::string>> HeadCommitters(ObjectStore& store, const std::string& backup_id,
                                                                    const CatalogState& state) {
  std::map<std::string, std::string> member_of_run;
  std::map<kafka::TopicPartition, std::string> out;
  for (const auto& [tp, head] : state.heads) {
    std::string run = format::CatalogCommitKeyRunId(head.commit.key);
    if (!member_of_run.count(run)) {
      KB_ASSIGN_OR_RETURN(std::string bytes, store.Get(format::CatalogRunKey(backup_id, run)));
      auto doc = format::ParseCatalogRun(bytes);
      if (!doc) return Fail(doc.error().With("backup_id=" + backup_id + " run=" + run));
      member_of_run[run] = doc->member_id;
    }
    if (!member_of_run[run].empty()) out[tp] = member_of_run[run];
  }
  return out;
}

}  // namespace kb
