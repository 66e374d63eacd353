// CatalogWriter: how a backup process records what it stores, in catalog format 2.
//
// Contract:
// - Write-once: every object it writes has a key no other write uses (run ids are unique and
//   every commit, checkpoint and segment key carries one), so it never overwrites or deletes and
//   a bucket with Object Lock works.
// - Constant cost: a commit writes one small object (its entry and the partition's totals), and
//   every kCheckpointEvery commits one checkpoint of those commits' entries, whatever the
//   backup's size. Commits of different partitions run in parallel.
// - Fencing: BeginRun takes the next epoch. A newer run (another process started on the same
//   backup) makes readers ignore this run's later commits on every partition the newer one
//   commits to; this writer notices within kFenceCheckMs and then refuses every further commit
//   with kConflict, so its process stops with a clear error.
// - Durability order is the caller's: commit a segment only once its object is stored.
// A backup in format 1 is carried over on BeginRun: each partition's first format-2 commit holds
// its whole format-1 history, and manifest.json is left as it was.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/catalog_reader.h"
#include "core/error.h"
#include "format/catalog_docs.h"
#include "storage/backend.h"

namespace kb {

class CatalogWriter {
 public:
  // How often (at most) a commit first checks that no newer run has started.
  static constexpr int64_t kFenceCheckMs = 1000;

  struct RunOptions {
    std::string mode;              // one-shot | snapshot | continuous
    std::string compression;
    std::string cluster_id;
    std::string source_bootstrap;  // "host:port,..."
    // Scale-out: the consumer group this process is a member of, and its member id. A group
    // member is fenced only by a run outside its group; within the group, fencing is per
    // partition (see Adopt).
    std::string group, member_id;
  };

  // Loads the backup's state (none yet is fine); writes nothing.
  static Result<std::unique_ptr<CatalogWriter>> Open(ObjectStore& store, const std::string& backup_id);

  bool exists() const { return state_.format_version != 0; }
  // The backup as it was when opened: planning reads resume points and topic shapes from it (a
  // format-2 backup's partitions carry next_offset only, not their segments).
  const format::Manifest& loaded() const { return state_.manifest; }

  // Registers this process as the backup's newest run, with `topics` (those it backs up) and the
  // topics already in the backup. A group member calls it again whenever the group assigns it
  // partitions: each call takes a new, higher epoch, and later commits of every partition go
  // under the new run.
  Status BeginRun(const RunOptions& options, const std::vector<format::RunTopic>& topics);
  // Takes over a partition another writer may have committed to since Open (a group rebalance):
  // its head is read again from storage, so the chain continues from what the previous owner
  // committed. Returns the resume position, or -1 when the partition has no chain yet. Commits
  // under this writer's newer epoch then hide any later commit of the previous owner (a zombie)
  // from every reader.
  Result<int64_t> Adopt(const std::string& topic, int32_t partition);
  // A topic added, or grown, while the run goes on.
  Status AddTopic(const format::RunTopic& topic);
  // Starts a partition's chain at `offset` (the first position to back up).
  Status StartPartition(const std::string& topic, int32_t partition, int64_t offset);
  // Appends one stretch to a started partition's chain: `entry.from` must be where it ends.
  Status Commit(const std::string& topic, int32_t partition, format::ChainEntry entry);
  // Marks the backup complete (the run's end object).
  Status EndRun();
  // kConflict once a newer run has started on the backup (checked at most every kFenceCheckMs;
  // commits check too): an idle process learns it was replaced.
  Status CheckNotFenced();

  // Partitions of `topic` the writer's runs know (0: an unknown topic).
  int32_t PartitionCount(const std::string& topic) const;
  // The position a partition's chain has reached, or -1 when it has none.
  int64_t NextOffset(const std::string& topic, int32_t partition) const;
  // Key for a segment this run stores.
  std::string SegmentKey(const std::string& topic, int32_t partition, int64_t first_offset, int64_t last_offset) const;

  std::string run_id() const;
  uint64_t commits() const { return commits_; }
  uint64_t metadata_bytes() const { return metadata_bytes_; }  // catalog bytes written by this run

 private:
  struct Partition {
    std::mutex mu;
    PartitionHead head;
    bool started() const { return head.seq > 0; }  // has a chain
  };

  CatalogWriter(ObjectStore& store, std::string backup_id, CatalogState state);
  Partition& PartitionFor(const std::string& topic, int32_t partition);
  Status Put(const std::string& key, const std::string& bytes);
  Status CommitLocked(Partition& p, const std::string& topic, int32_t partition,
                      std::vector<format::ChainEntry> entries);
  void CheckpointLocked(Partition& p, const std::string& topic, int32_t partition);
  Status ImportFormat1();

  ObjectStore& store_;
  std::string backup_id_;
  CatalogState state_;
  // The current run: replaced by each BeginRun while other threads commit.
  mutable std::mutex run_mu_;
  std::string run_id_;
  int64_t epoch_ = 0;
  int64_t topic_docs_ = 0;
  std::string group_;  // RunOptions::group of the newest BeginRun
  struct RunIdentity {
    std::string run_id;
    int64_t epoch = 0;
  };
  RunIdentity CurrentRun() const;

  mutable std::mutex mu_;  // partitions_ (the map) and topics_
  std::map<kafka::TopicPartition, std::unique_ptr<Partition>> partitions_;

  std::map<std::string, format::RunTopic> topics_;  // every topic this writer's runs know

  std::mutex fence_mu_;
  int64_t fence_checked_ms_ = 0;
  std::string group_run_seen_;  // a newer run of our own group (group mode), under fence_mu_
  std::atomic<bool> fenced_{false};
  std::string fenced_by_;

  std::atomic<uint64_t> commits_{0}, metadata_bytes_{0};
};

}  // namespace kb
