#include "catalog/catalog_writer.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/sha256.h"
#include "core/time_util.h"
#include "format/object_keys.h"

namespace kb {
namespace {

std::string RandomTag() {
  std::random_device rd;
  return fmt::format("{:08x}", static_cast<uint32_t>(rd()));
}

// A format-1 partition as a chain: its segments and gaps in offset order, with the stretches
// between them (markers, compacted-away offsets) and up to its checkpoint as empty entries.
Result<std::vector<format::ChainEntry>> Format1Entries(const std::string& where, const format::PartitionManifest& pm) {
  std::vector<format::ChainEntry> items;
  for (const auto& s : pm.segments) items.push_back({s.first_offset, s.last_offset + 1, s, std::nullopt});
  for (const auto& g : pm.gaps) items.push_back({g.from_offset, g.to_offset + 1, std::nullopt, g});
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.from < b.from; });
  std::vector<format::ChainEntry> out;
  int64_t pos = items.empty() ? pm.next_offset : items.front().from;
  for (auto& item : items) {
    if (item.from < pos)
      return Fail(ErrorCode::kCorrupt, where + ": format-1 manifest has overlapping entries at offset " +
                                           std::to_string(item.from) + "; it cannot be carried over");
    if (item.from > pos) out.push_back({pos, item.from, std::nullopt, std::nullopt});
    pos = item.to;
    out.push_back(std::move(item));
  }
  if (pm.next_offset > pos || out.empty()) out.push_back({pos, std::max(pos, pm.next_offset), std::nullopt, std::nullopt});
  return out;
}

}  // namespace

Result<std::unique_ptr<CatalogWriter>> CatalogWriter::Open(ObjectStore& store, const std::string& backup_id) {
  CatalogState state;
  // A resume needs each partition's head, not its whole history: the start costs the same on day
  // 300 as on day 1.
  auto loaded = LoadCatalog(store, backup_id, CatalogDepth::kHeads);
  if (loaded) state = std::move(*loaded);
  else if (loaded.error().code != ErrorCode::kNotFound) return Fail(loaded.error());
  return std::unique_ptr<CatalogWriter>(new CatalogWriter(store, backup_id, std::move(state)));
}

CatalogWriter::CatalogWriter(ObjectStore& store, std::string backup_id, CatalogState state)
    : store_(store), backup_id_(std::move(backup_id)), state_(std::move(state)) {
  for (auto& [tp, head] : state_.heads) {
    auto p = std::make_unique<Partition>();
    p->head = head;
    partitions_[tp] = std::move(p);
  }
}

Status CatalogWriter::BeginRun(const RunOptions& options, const std::vector<format::RunTopic>& topics) {
  // The epoch comes from a fresh look: another process may have started since Open.
  KB_ASSIGN_OR_RETURN(std::string newest, NewestRunId(store_, backup_id_));
  const bool first_run = CurrentRun().epoch == 0;
  const int64_t epoch = std::max<int64_t>({0, format::CatalogRunEpoch(newest), CurrentRun().epoch}) + 1;
  const std::string run_id = format::CatalogRunId(epoch, RandomTag());

  format::CatalogRun run;
  run.backup_id = backup_id_;
  run.run_id = run_id;
  run.epoch = epoch;
  run.started_at_ms = NowMs();
  run.created_at_ms = exists() ? state_.manifest.created_at_ms : run.started_at_ms;
  run.mode = options.mode;
  run.compression = options.compression;
  run.cluster_id = options.cluster_id;
  run.source_bootstrap = options.source_bootstrap;
  run.tool_version = KB_VERSION;
  run.group = options.group;
  run.member_id = options.member_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_run) {
      for (const auto& t : state_.manifest.topics) {
        format::RunTopic rt{t.name, t.partition_count, t.replication_factor, t.configs, {}};
        rt.end_offsets_at_start.assign(static_cast<size_t>(std::max(0, t.partition_count)), -1);
        for (const auto& p : t.partitions)
          if (p.partition >= 0 && p.partition < t.partition_count)
            rt.end_offsets_at_start[p.partition] = p.end_offset_at_start;
        topics_[t.name] = std::move(rt);
      }
    }
    for (const auto& t : topics) topics_[t.name] = t;
    for (const auto& [name, t] : topics_) run.topics.push_back(t);
  }
  KB_TRY(Put(format::CatalogRunKey(backup_id_, run_id), format::Serialize(run)));
  {
    // Commits from here on go under the new run: a partition's chain simply continues.
    std::lock_guard<std::mutex> lock(run_mu_);
    epoch_ = epoch;
    run_id_ = run_id;
    group_ = options.group;
    topic_docs_ = 0;
  }
  if (state_.format_version == 1) {
    KB_TRY(ImportFormat1());
    state_.format_version = 2;
  }
  return {};
}

Result<int64_t> CatalogWriter::Adopt(const std::string& topic, int32_t partition) {
  KB_ASSIGN_OR_RETURN(auto chain, LoadPartitionChain(store_, backup_id_, topic, partition, CatalogDepth::kHeads));
  Partition& p = PartitionFor(topic, partition);
  std::lock_guard<std::mutex> lock(p.mu);
  p.head = chain ? chain->head : PartitionHead{};
  return chain ? p.head.to : int64_t{-1};
}

Status CatalogWriter::ImportFormat1() {
  spdlog::info("backup '{}' is in catalog format 1: carrying its history over to format 2", backup_id_);
  for (const auto& t : state_.manifest.topics) {
    for (const auto& pm : t.partitions) {
      const std::string where = "topic=" + t.name + " partition=" + std::to_string(pm.partition);
      KB_ASSIGN_OR_RETURN(auto entries, Format1Entries(where, pm));
      Partition& p = PartitionFor(t.name, pm.partition);
      std::lock_guard<std::mutex> lock(p.mu);
      if (p.started()) continue;
      p.head.to = entries.front().from;
      KB_TRY(CommitLocked(p, t.name, pm.partition, std::move(entries)));
      CheckpointLocked(p, t.name, pm.partition);  // the import is large: readers should not re-read it
    }
  }
  return {};
}

Status CatalogWriter::AddTopic(const format::RunTopic& topic) {
  KB_TRY(CheckNotFenced());
  int64_t n;
  std::string run_id;
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    n = ++topic_docs_;
    run_id = run_id_;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    topics_[topic.name] = topic;
  }
  format::CatalogTopicAdded doc;
  doc.run_id = run_id;
  doc.topic = topic;
  return Put(format::CatalogRunTopicKey(backup_id_, run_id, n), format::Serialize(doc));
}

Status CatalogWriter::StartPartition(const std::string& topic, int32_t partition, int64_t offset) {
  KB_TRY(CheckNotFenced());
  Partition& p = PartitionFor(topic, partition);
  std::lock_guard<std::mutex> lock(p.mu);
  if (p.started())
    return Fail(ErrorCode::kInternal, "topic=" + topic + " partition=" + std::to_string(partition) +
                                          ": started twice in the catalog");
  p.head.to = offset;
  return CommitLocked(p, topic, partition, {format::ChainEntry{offset, offset, std::nullopt, std::nullopt}});
}

Status CatalogWriter::Commit(const std::string& topic, int32_t partition, format::ChainEntry entry) {
  KB_TRY(CheckNotFenced());
  Partition& p = PartitionFor(topic, partition);
  std::lock_guard<std::mutex> lock(p.mu);
  const std::string where = "topic=" + topic + " partition=" + std::to_string(partition);
  if (!p.started()) return Fail(ErrorCode::kInternal, where + ": commit to a partition that was never started");
  if (entry.from != p.head.to)
    return Fail(ErrorCode::kInternal, where + ": commit of offsets " + std::to_string(entry.from) + ".." +
                                          std::to_string(entry.to) + " does not continue the chain at " +
                                          std::to_string(p.head.to));
  return CommitLocked(p, topic, partition, {std::move(entry)});
}

Status CatalogWriter::CommitLocked(Partition& p, const std::string& topic, int32_t partition,
                                   std::vector<format::ChainEntry> entries) {
  const RunIdentity run = CurrentRun();
  format::CatalogCommit c;
  c.topic = topic;
  c.partition = partition;
  c.seq = p.head.seq + 1;
  c.epoch = run.epoch;
  c.run_id = run.run_id;
  if (p.head.seq > 0) c.prev = p.head.commit;
  c.checkpoint = p.head.checkpoint;
  c.committed_at_ms = NowMs();
  c.totals = p.head.totals;
  for (const auto& e : entries) c.totals.Add(e);
  c.entries = std::move(entries);
  const std::string bytes = format::Serialize(c);
  const std::string key = format::CatalogCommitKey(backup_id_, topic, partition, run.run_id, c.seq);
  KB_TRY(Put(key, bytes));
  p.head.seq = c.seq;
  p.head.commit = format::DocRef{key, Sha256Hex(bytes), c.seq};
  p.head.totals = c.totals;
  p.head.to = c.entries.back().to;
  p.head.since_checkpoint.insert(p.head.since_checkpoint.end(), c.entries.begin(), c.entries.end());
  commits_++;
  const int64_t checkpointed = p.head.checkpoint ? p.head.checkpoint->seq : 0;
  if (p.head.seq - checkpointed >= kCheckpointEvery) CheckpointLocked(p, topic, partition);
  return {};
}

void CatalogWriter::CheckpointLocked(Partition& p, const std::string& topic, int32_t partition) {
  const RunIdentity run = CurrentRun();
  format::CatalogCheckpoint cp;
  cp.topic = topic;
  cp.partition = partition;
  cp.seq = p.head.seq;
  cp.epoch = run.epoch;
  cp.run_id = run.run_id;
  cp.commit = p.head.commit;
  cp.prev = p.head.checkpoint;
  cp.entries = p.head.since_checkpoint;
  cp.totals = p.head.totals;
  const std::string bytes = format::Serialize(cp);
  const std::string key = format::CatalogCheckpointKey(backup_id_, topic, partition, run.run_id, cp.seq);
  if (auto st = Put(key, bytes); !st) {
    // Not fatal: the commits stay the record, and the next commit tries again.
    spdlog::warn("topic={} partition={}: cannot store catalog checkpoint (will retry): {}", topic, partition,
                 st.error().message);
    return;
  }
  p.head.checkpoint = format::DocRef{key, Sha256Hex(bytes), cp.seq};
  p.head.since_checkpoint.clear();
}

Status CatalogWriter::EndRun() {
  {
    std::lock_guard<std::mutex> lock(fence_mu_);
    fence_checked_ms_ = 0;  // the end is always checked
  }
  KB_TRY(CheckNotFenced());
  format::CatalogRunEnd end;
  end.run_id = run_id();
  end.status = "complete";
  end.ended_at_ms = NowMs();
  return Put(format::CatalogRunEndKey(backup_id_, end.run_id), format::Serialize(end));
}

int32_t CatalogWriter::PartitionCount(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = topics_.find(topic);
  return it == topics_.end() ? 0 : it->second.partition_count;
}

int64_t CatalogWriter::NextOffset(const std::string& topic, int32_t partition) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = partitions_.find(kafka::TopicPartition{topic, partition});
  if (it == partitions_.end()) return -1;
  std::lock_guard<std::mutex> plock(it->second->mu);
  return it->second->started() ? it->second->head.to : -1;
}

std::string CatalogWriter::SegmentKey(const std::string& topic, int32_t partition, int64_t first_offset,
                                      int64_t last_offset) const {
  return format::SegmentKeyForRun(backup_id_, topic, partition, first_offset, last_offset, run_id());
}

std::string CatalogWriter::run_id() const { return CurrentRun().run_id; }

CatalogWriter::RunIdentity CatalogWriter::CurrentRun() const {
  std::lock_guard<std::mutex> lock(run_mu_);
  return {run_id_, epoch_};
}

CatalogWriter::Partition& CatalogWriter::PartitionFor(const std::string& topic, int32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = partitions_[kafka::TopicPartition{topic, partition}];
  if (!slot) slot = std::make_unique<Partition>();
  return *slot;
}

Status CatalogWriter::Put(const std::string& key, const std::string& bytes) {
  KB_TRY(store_.Put(key, bytes));
  metadata_bytes_ += bytes.size();
  return {};
}

Status CatalogWriter::CheckNotFenced() {
  auto fenced_error = [&] {
    const RunIdentity run = CurrentRun();
    return Fail(ErrorCode::kConflict,
                "backup '" + backup_id_ + "': another kafka-backup process started run " + fenced_by_ + " (epoch " +
                    std::to_string(format::CatalogRunEpoch(fenced_by_)) + ") on this backup, so this one (run " +
                    run.run_id + ", epoch " + std::to_string(run.epoch) +
                    ") stops: its later commits would be ignored. Run one backup process per backup_id, or give every "
                    "process backup.coordination: kafka-group");
  };
  if (fenced_) return fenced_error();
  std::lock_guard<std::mutex> lock(fence_mu_);
  if (fenced_) return fenced_error();
  const int64_t now = NowMs();
  if (fence_checked_ms_ != 0 && now - fence_checked_ms_ < kFenceCheckMs) return {};
  fence_checked_ms_ = now;
  auto newest = NewestRunId(store_, backup_id_);
  if (!newest) return {};  // storage trouble: the commit's own write will say so
  std::string group;
  {
    std::lock_guard<std::mutex> run_lock(run_mu_);
    if (newest->empty() || *newest == run_id_ || *newest == group_run_seen_) return {};
    group = group_;
  }
  if (!group.empty()) {
    // A group member shares the backup with the other members' runs; only a run outside the
    // group (a process without coordination, or another group) takes the backup over.
    auto bytes = store_.Get(format::CatalogRunKey(backup_id_, *newest));
    if (!bytes) return {};
    auto run = format::ParseCatalogRun(*bytes);
    if (run && run->group == group) {
      group_run_seen_ = *newest;
      return {};
    }
  }
  fenced_by_ = *newest;
  fenced_ = true;
  spdlog::error("{}", fenced_error().value().message);
  return fenced_error();
}

}  // namespace kb
