// Catalog format 2: constant-cost commits, write-once objects, the integrity chain, fencing of a
// second writer, and carrying a format-1 backup over. All on the in-memory store; the real-broker
// and MinIO tests are in tests/integration/catalog_v2_test.cpp.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "catalog/backup_catalog.h"
#include "catalog/catalog_reader.h"
#include "catalog/catalog_writer.h"
#include "format/object_keys.h"
#include "format/segment.h"
#include "storage/memory_store.h"

namespace kb {
namespace {

// A store that refuses a second Put of any key (write-once) and counts requests.
class WriteOnceStore : public ObjectStore {
 public:
  explicit WriteOnceStore(ObjectStore& inner) : inner_(inner) {}
  Status Put(const std::string& key, const std::string& data) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!written_.insert(key).second) {
        overwrites_.push_back(key);
        return Fail(ErrorCode::kConflict, "key=" + key + " written twice");
      }
    }
    puts++;
    put_bytes += data.size();
    return inner_.Put(key, data);
  }
  Result<std::string> Get(const std::string& key) override {
    gets++;
    return inner_.Get(key);
  }
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    gets++;
    return inner_.GetRange(key, offset, length);
  }
  using ObjectStore::List;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix, const ListOptions& options) override {
    lists++;
    return inner_.List(prefix, options);
  }
  Result<DeleteResult> Delete(const std::string& key) override { return inner_.Delete(key); }
  Result<uint64_t> Size(const std::string& key) override { return inner_.Size(key); }
  std::string Describe() const override { return inner_.Describe(); }

  std::vector<std::string> overwrites() {
    std::lock_guard<std::mutex> lock(mu_);
    return overwrites_;
  }
  std::atomic<uint64_t> puts{0}, put_bytes{0}, gets{0}, lists{0};

 private:
  ObjectStore& inner_;
  std::mutex mu_;
  std::set<std::string> written_;
  std::vector<std::string> overwrites_;
};

std::string NewStoreName(const std::string& stem) {
  static std::atomic<int> n{0};
  std::string name = stem + "-" + std::to_string(n++);
  MemoryStore::ClearForTests(name);
  return name;
}

format::RunTopic Topic(const std::string& name, int32_t partitions) {
  format::RunTopic t;
  t.name = name;
  t.partition_count = partitions;
  t.replication_factor = 1;
  t.end_offsets_at_start.assign(static_cast<size_t>(partitions), -1);
  return t;
}

// An entry for a segment holding offsets [from, to) with one record per offset.
format::ChainEntry SegmentEntry(const std::string& key, int64_t from, int64_t to) {
  format::SegmentRef ref;
  ref.key = key;
  ref.first_offset = from;
  ref.last_offset = to - 1;
  ref.min_timestamp = 1000 + from;
  ref.max_timestamp = 1000 + to - 1;
  ref.record_count = static_cast<uint64_t>(to - from);
  ref.raw_bytes = ref.record_count * 10;
  ref.stored_bytes = ref.record_count * 5;
  ref.codec = "none";
  return format::ChainEntry{from, to, ref, std::nullopt};
}

std::unique_ptr<CatalogWriter> BeginRun(ObjectStore& store, const std::string& id, int32_t partitions = 1) {
  auto w = CatalogWriter::Open(store, id);
  EXPECT_TRUE(w) << w.error().ToString();
  auto st = (*w)->BeginRun({"continuous", "none", "cluster-1", "127.0.0.1:9092"}, {Topic("t", partitions)});
  EXPECT_TRUE(st) << st.error().ToString();
  return std::move(*w);
}

// Commits `n` segments of 10 offsets each to partition p, continuing where its chain ends.
void CommitSegments(CatalogWriter& w, int32_t p, int n) {
  int64_t at = w.NextOffset("t", p);
  if (at < 0) {
    ASSERT_TRUE(w.StartPartition("t", p, 0));
    at = 0;
  }
  for (int i = 0; i < n; ++i, at += 10) {
    auto st = w.Commit("t", p, SegmentEntry(w.SegmentKey("t", p, at, at + 9), at, at + 10));
    ASSERT_TRUE(st) << st.error().ToString();
  }
}

TEST(CatalogV2, CommitsReadBackAsOneManifestView) {
  MemoryStore mem(NewStoreName("cat-view"));
  WriteOnceStore store(mem);
  auto w = BeginRun(store, "b", 2);
  CommitSegments(*w, 0, 70);
  CommitSegments(*w, 1, 3);
  format::Gap gap{30, 39, "offset out of range", 5};
  ASSERT_TRUE(w->Commit("t", 1, format::ChainEntry{30, 40, std::nullopt, gap}));
  ASSERT_TRUE(w->Commit("t", 1, format::ChainEntry{40, 42, std::nullopt, std::nullopt}));  // markers only
  ASSERT_TRUE(w->EndRun());

  auto m = LoadManifest(store, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->status, "complete");
  EXPECT_EQ(m->mode, "continuous");
  EXPECT_EQ(m->cluster_id, "cluster-1");
  ASSERT_EQ(m->topics.size(), 1u);
  ASSERT_EQ(m->topics[0].partitions.size(), 2u);
  const auto& p0 = m->topics[0].partitions[0];
  ASSERT_EQ(p0.segments.size(), 70u);
  for (size_t i = 0; i < p0.segments.size(); ++i) EXPECT_EQ(p0.segments[i].first_offset, static_cast<int64_t>(i * 10));
  EXPECT_EQ(p0.next_offset, 700);
  EXPECT_EQ(p0.record_count(), 700u);
  const auto& p1 = m->topics[0].partitions[1];
  EXPECT_EQ(p1.segments.size(), 3u);
  ASSERT_EQ(p1.gaps.size(), 1u);
  EXPECT_EQ(p1.gaps[0].from_offset, 30);
  EXPECT_EQ(p1.next_offset, 42);
  EXPECT_TRUE(store.overwrites().empty());
}

TEST(CatalogV2, CommitCostStaysFlatAsTheBackupGrows) {
  MemoryStore mem(NewStoreName("cat-flat"));
  WriteOnceStore store(mem);
  auto w = BeginRun(store, "b");
  CommitSegments(*w, 0, 64);
  const uint64_t early_bytes = store.put_bytes, early_puts = store.puts;
  CommitSegments(*w, 0, 64 * 30);
  const uint64_t late_bytes = store.put_bytes - early_bytes, late_puts = store.puts - early_puts;
  // The same number of commits late in the backup writes about the same bytes as early on
  // (64 commits then, 64*30 now: per commit within 10%).
  const double early_per = static_cast<double>(early_bytes) / 64, late_per = static_cast<double>(late_bytes) / (64 * 30);
  EXPECT_LT(late_per, early_per * 1.1) << early_per << " vs " << late_per;
  // One object per commit plus one checkpoint every kCheckpointEvery commits.
  EXPECT_EQ(late_puts, 64u * 30 + 64u * 30 / kCheckpointEvery);
}

TEST(CatalogV2, AReaderFetchesABoundedTailAfterTheNewestCheckpoint) {
  MemoryStore mem(NewStoreName("cat-tail"));
  WriteOnceStore store(mem);
  auto w = BeginRun(store, "b");
  CommitSegments(*w, 0, 200);
  store.gets = 0;
  auto state = LoadCatalog(store, "b");
  ASSERT_TRUE(state) << state.error().ToString();
  // run + end probe + head + < kCheckpointEvery tail commits + one checkpoint per 32 commits.
  EXPECT_LE(store.gets.load(), 2u + 1 + kCheckpointEvery + 200 / kCheckpointEvery + 1);
  EXPECT_EQ(state->heads.at({"t", 0}).to, 2000);
}

TEST(CatalogV2, AResumingWriterReadsOnlyTheHeads) {
  MemoryStore mem(NewStoreName("cat-heads"));
  WriteOnceStore store(mem);
  {
    auto w = BeginRun(store, "b");
    CommitSegments(*w, 0, 500);
  }
  store.gets = 0;
  auto w = CatalogWriter::Open(store, "b");
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)->NextOffset("t", 0), 5000);
  // run + end probe + head + the commits after the newest checkpoint; no checkpoint history.
  EXPECT_LE(store.gets.load(), 3u + kCheckpointEvery);
}

// Finds the key of the commit at `seq` of partition 0 of topic t.
std::string CommitKeyAt(ObjectStore& store, const std::string& id, int64_t seq) {
  auto all = store.List(format::CatalogCommitPrefix(id, "t", 0));
  EXPECT_TRUE(all);
  for (const auto& o : *all) {
    auto bytes = store.Get(o.key);
    auto c = format::ParseCatalogCommit(*bytes);
    if (c && c->seq == seq) return o.key;
  }
  ADD_FAILURE() << "no commit at seq " << seq;
  return "";
}

TEST(CatalogV2, ARemovedCommitBreaksTheChainWithTheOffsetsNamed) {
  MemoryStore store(NewStoreName("cat-removed"));
  auto w = BeginRun(store, "b");
  CommitSegments(*w, 0, 40);  // commits 1..41; checkpoint at 32
  ASSERT_TRUE(store.Delete(CommitKeyAt(store, "b", 36)));
  auto m = LoadManifest(store, "b");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(m.error().message.find("topic=t partition=0"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("chain is broken"), std::string::npos) << m.error().message;
  EXPECT_TRUE(m.error().data_loss) << "records the backup held can no longer be read";
}

TEST(CatalogV2, AnAlteredCommitOrCheckpointIsDetected) {
  MemoryStore store(NewStoreName("cat-altered"));
  auto w = BeginRun(store, "b");
  CommitSegments(*w, 0, 40);
  // Drop one segment's entry from a commit: the document still parses, but its hash changed.
  const std::string key = CommitKeyAt(store, "b", 38);
  auto c = format::ParseCatalogCommit(*store.Get(key));
  ASSERT_TRUE(c);
  c->totals.records -= 10;
  ASSERT_TRUE(store.Put(key, format::Serialize(*c)));
  auto m = LoadManifest(store, "b");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("was altered"), std::string::npos) << m.error().message;

  // A checkpoint with an entry removed from its middle.
  MemoryStore store2(NewStoreName("cat-altered-cp"));
  auto w2 = BeginRun(store2, "b");
  CommitSegments(*w2, 0, 40);
  auto cps = store2.List("b/catalog/partitions/t/0/checkpoints/");
  ASSERT_TRUE(cps);
  ASSERT_EQ(cps->size(), 1u);
  auto cp = format::ParseCatalogCheckpoint(*store2.Get((*cps)[0].key));
  ASSERT_TRUE(cp);
  cp->entries.erase(cp->entries.begin() + 10);
  ASSERT_TRUE(store2.Put((*cps)[0].key, format::Serialize(*cp)));
  m = LoadManifest(store2, "b");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kCorrupt);
}

TEST(CatalogV2, ARestartedWriterContinuesTheChain) {
  MemoryStore mem(NewStoreName("cat-resume"));
  WriteOnceStore store(mem);
  {
    auto w = BeginRun(store, "b");
    CommitSegments(*w, 0, 45);
  }  // no EndRun: as after kill -9
  auto w2 = BeginRun(store, "b");
  EXPECT_EQ(w2->NextOffset("t", 0), 450);
  CommitSegments(*w2, 0, 5);
  auto m = LoadManifest(store, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->status, "in_progress");
  EXPECT_EQ(m->topics[0].partitions[0].segments.size(), 50u);
  EXPECT_EQ(m->topics[0].partitions[0].next_offset, 500);
  EXPECT_TRUE(store.overwrites().empty());
}

TEST(CatalogV2, ASecondWriterFencesTheFirst) {
  MemoryStore store(NewStoreName("cat-fence"));
  auto first = BeginRun(store, "b");
  CommitSegments(*first, 0, 3);  // 0..29
  auto second = BeginRun(store, "b");
  EXPECT_EQ(second->NextOffset("t", 0), 30);
  // The second writer commits 30..39; the first, not yet aware, commits its own 30..39.
  ASSERT_TRUE(second->Commit("t", 0, SegmentEntry(second->SegmentKey("t", 0, 30, 39), 30, 40)));
  std::this_thread::sleep_for(std::chrono::milliseconds(CatalogWriter::kFenceCheckMs + 100));
  auto late = first->Commit("t", 0, SegmentEntry(first->SegmentKey("t", 0, 30, 39), 30, 40));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_NE(late.error().message.find("another kafka-backup process"), std::string::npos);
  auto m = LoadManifest(store, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  const auto& segs = m->topics[0].partitions[0].segments;
  ASSERT_EQ(segs.size(), 4u);
  EXPECT_EQ(segs.back().key, second->SegmentKey("t", 0, 30, 39));
}

TEST(CatalogV2, AZombiesCommitsAfterTheForkAreIgnored) {
  MemoryStore store(NewStoreName("cat-zombie"));
  auto first = BeginRun(store, "b");
  CommitSegments(*first, 0, 2);  // 0..19, fence checked now
  auto second = BeginRun(store, "b");
  // Within its fence-check interval the first writer still commits 20..49 (its last check was
  // before the second run started).
  CommitSegments(*first, 0, 3);
  ASSERT_TRUE(second->Commit("t", 0, SegmentEntry(second->SegmentKey("t", 0, 20, 24), 20, 25)));
  auto m = LoadManifest(store, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  const auto& p = m->topics[0].partitions[0];
  EXPECT_EQ(p.next_offset, 25);  // the newer run's chain, not the zombie's 50
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments.back().key, second->SegmentKey("t", 0, 20, 24));
}

// Scale-out: members of one consumer group share a backup. A member is not fenced by its peers'
// runs; a partition moves by Adopt under a newer run, and the previous owner's late commits to it
// (a zombie that missed its session timeout) are hidden from every reader.
std::unique_ptr<CatalogWriter> JoinAsMember(ObjectStore& store, const std::string& id, const std::string& member) {
  auto w = CatalogWriter::Open(store, id);
  EXPECT_TRUE(w) << w.error().ToString();
  auto st = (*w)->BeginRun({"continuous", "none", "cluster-1", "127.0.0.1:9092", "kafka-backup.b", member},
                           {Topic("t", 2)});
  EXPECT_TRUE(st) << st.error().ToString();
  return std::move(*w);
}

TEST(CatalogV2Group, MembersShareABackupAndAZombiesLateCommitsAreIgnored) {
  MemoryStore store(NewStoreName("cat-group"));
  auto a = JoinAsMember(store, "b", "member-a");
  auto b = JoinAsMember(store, "b", "member-b");
  CommitSegments(*a, 0, 2);  // a owns partition 0: 0..19
  CommitSegments(*b, 1, 1);  // b owns partition 1: 0..9
  std::this_thread::sleep_for(std::chrono::milliseconds(CatalogWriter::kFenceCheckMs + 100));
  // b's run is newer, but a member of the same group: a goes on.
  ASSERT_TRUE(a->Commit("t", 0, SegmentEntry(a->SegmentKey("t", 0, 20, 29), 20, 30)));

  // The group moves partition 0 to b: a new run, and the head read again.
  ASSERT_TRUE(b->BeginRun({"continuous", "none", "cluster-1", "127.0.0.1:9092", "kafka-backup.b", "member-b"}, {}));
  auto resume = b->Adopt("t", 0);
  ASSERT_TRUE(resume) << resume.error().ToString();
  EXPECT_EQ(*resume, 30);
  // a has not noticed and commits 30..49; b reads the same records again and commits 30..39.
  CommitSegments(*a, 0, 2);
  ASSERT_TRUE(b->Commit("t", 0, SegmentEntry(b->SegmentKey("t", 0, 30, 39), 30, 40)));
  CommitSegments(*a, 0, 1);  // and a keeps going
  auto m = LoadManifest(store, "b");
  ASSERT_TRUE(m) << m.error().ToString();
  const auto& p0 = m->topics[0].partitions[0];
  EXPECT_EQ(p0.next_offset, 40) << "the newer owner's chain, not the zombie's";
  ASSERT_EQ(p0.segments.size(), 4u);
  EXPECT_EQ(p0.segments.back().key, b->SegmentKey("t", 0, 30, 39));
  EXPECT_EQ(m->topics[0].partitions[1].next_offset, 10);
  // b continues its chain; a partition it has never had starts fresh.
  CommitSegments(*b, 0, 1);
  auto fresh = a->Adopt("t", 1);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(*fresh, 10);
  m = LoadManifest(store, "b");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->topics[0].partitions[0].next_offset, 50);
}

TEST(CatalogV2Group, AMemberIsFencedByARunOutsideItsGroup) {
  MemoryStore store(NewStoreName("cat-group-fence"));
  auto a = JoinAsMember(store, "b", "member-a");
  CommitSegments(*a, 0, 1);
  auto solo = BeginRun(store, "b", 2);  // a process without coordination takes the backup over
  std::this_thread::sleep_for(std::chrono::milliseconds(CatalogWriter::kFenceCheckMs + 100));
  auto late = a->Commit("t", 0, SegmentEntry(a->SegmentKey("t", 0, 10, 19), 10, 20));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_NE(late.error().message.find("kafka-group"), std::string::npos) << late.error().message;
}

TEST(CatalogV2, AFormat1BackupIsCarriedOverAndStaysRestorable) {
  MemoryStore mem(NewStoreName("cat-v1"));
  WriteOnceStore store(mem);
  format::Manifest v1;
  v1.backup_id = "old";
  v1.status = "complete";
  v1.mode = "one-shot";
  v1.compression = "zstd";
  v1.cluster_id = "c";
  v1.created_at_ms = 77;
  format::TopicManifest tm;
  tm.name = "t";
  tm.partition_count = 1;
  format::PartitionManifest pm;
  pm.partition = 0;
  pm.segments.push_back(*SegmentEntry("old/topics/t/0/a.kbs", 0, 10).segment);
  pm.gaps.push_back(format::Gap{10, 19, "gone", 1});
  pm.segments.push_back(*SegmentEntry("old/topics/t/0/b.kbs", 22, 30).segment);  // 20,21: markers
  pm.next_offset = 31;
  tm.partitions.push_back(pm);
  v1.topics.push_back(tm);
  ASSERT_TRUE(mem.Put(format::ManifestKey("old"), format::SerializeManifest(v1)));

  auto before = LoadCatalog(store, "old");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->format_version, 1);
  auto w = BeginRun(store, "old");
  EXPECT_EQ(w->NextOffset("t", 0), 31);
  ASSERT_TRUE(w->Commit("t", 0, SegmentEntry(w->SegmentKey("t", 0, 31, 40), 31, 41)));
  auto after = LoadCatalog(store, "old");
  ASSERT_TRUE(after) << after.error().ToString();
  EXPECT_EQ(after->format_version, 2);
  const auto& p = after->manifest.topics[0].partitions[0];
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[0].key, "old/topics/t/0/a.kbs");
  ASSERT_EQ(p.gaps.size(), 1u);
  EXPECT_EQ(p.next_offset, 41);
  EXPECT_EQ(after->manifest.created_at_ms, 77);
  EXPECT_TRUE(store.overwrites().empty());  // manifest.json was left as it was
}

TEST(CatalogV2, ListingBackupsCostsRequestsPerBackupNotPerObject) {
  MemoryStore mem(NewStoreName("cat-list"));
  WriteOnceStore store(mem);
  for (const char* id : {"a", "b"}) {
    auto w = BeginRun(store, id);
    CommitSegments(*w, 0, 100);
  }
  ASSERT_TRUE(mem.Put("offset-snapshots/snapshot-1.json", "{}"));
  store.lists = 0;
  store.gets = 0;
  auto ids = ListBackupIds(store);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_LE(store.lists.load() + store.gets.load(), 1u + 3 * 2);
}

// What list, status and describe read: each partition's head, its commits since the newest
// checkpoint and its floor, never the checkpoint history, and the same figures a full read adds up.
TEST(CatalogV2, ASummaryCostsRequestsPerPartitionNotPerSegment) {
  MemoryStore mem(NewStoreName("cat-summary"));
  WriteOnceStore store(mem);
  auto w = BeginRun(store, "b", 2);
  CommitSegments(*w, 0, 600);
  CommitSegments(*w, 1, 7);
  ASSERT_TRUE(w->Commit("t", 1, format::ChainEntry{70, 75, std::nullopt, format::Gap{70, 74, "deleted", 5}}));
  store.gets = 0;
  store.lists = 0;
  auto summary = LoadCatalog(store, "b", CatalogDepth::kSummary);
  ASSERT_TRUE(summary) << summary.error().ToString();
  // Run, topics listing, end probe, run listing; per partition: head listing, head, tail, newest
  // checkpoint, floor listing.
  EXPECT_LE(store.gets.load() + store.lists.load(), 4u + 2 * (4 + kCheckpointEvery));
  auto full = LoadCatalog(store, "b");
  ASSERT_TRUE(full) << full.error().ToString();
  EXPECT_EQ(summary->figures, full->figures);
  const auto& p0 = summary->figures.at({"t", 0});
  EXPECT_EQ(p0.segments, 600u);
  EXPECT_EQ(p0.records, 6000u);
  EXPECT_EQ(p0.min_timestamp, 1000);
  EXPECT_EQ(p0.max_timestamp, 1000 + 5999);
  const auto& p1 = summary->figures.at({"t", 1});
  EXPECT_EQ(p1.segments, 7u);
  EXPECT_EQ(p1.gaps, 1u);
  EXPECT_EQ(p1.gap_records, 5u);
  EXPECT_TRUE(summary->manifest.topics[0].partitions[0].segments.empty());  // not read
  EXPECT_EQ(summary->manifest.topics[0].partitions[1].next_offset, 75);
}

// A segment whose bytes no longer match the whole-object CRC32C the catalog recorded (replaced
// by another valid segment, say) passes every block check: only deep validation's whole-object
// check sees it.
TEST(CatalogV2, DeepValidationChecksTheWholeObjectCrc) {
  MemoryStore store(NewStoreName("cat-crc"));
  format::SegmentWriter writer;
  for (int64_t o = 0; o < 5; ++o) {
    Record r;
    r.offset = o;
    r.timestamp = 1000 + o;
    r.value = "v" + std::to_string(o);
    ASSERT_TRUE(writer.Append(r));
  }
  format::SegmentSummary s;
  auto bytes = writer.Finish(&s);
  ASSERT_TRUE(bytes);
  ASSERT_TRUE(store.Put("b/topics/t/0/seg.kbs", *bytes));
  format::Manifest m;
  m.backup_id = "b";
  format::TopicManifest t;
  t.name = "t";
  t.partition_count = 1;
  format::PartitionManifest p;
  p.segments.push_back(format::SegmentRef{"b/topics/t/0/seg.kbs", 0, 4, 1000, 1004, 5, s.raw_bytes, s.stored_bytes,
                                          s.crc32c ^ 1u, "zstd"});
  p.next_offset = 5;
  t.partitions.push_back(p);
  m.topics.push_back(t);

  auto shallow = ValidateBackup(store, m, false);
  ASSERT_TRUE(shallow);
  EXPECT_TRUE(shallow->ok());
  auto deep = ValidateBackup(store, m, true);
  ASSERT_TRUE(deep);
  ASSERT_EQ(deep->issues.size(), 1u);
  EXPECT_NE(deep->issues[0].problem.find("whole-object CRC32C"), std::string::npos) << deep->issues[0].problem;
  EXPECT_EQ(deep->records_checked, 5u);
}

}  // namespace
}  // namespace kb
