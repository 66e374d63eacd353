// Object keys: every builder produces exactly the example in object_keys.h.
#include <gtest/gtest.h>

#include <limits>

#include "format/object_keys.h"

namespace kb::format {
namespace {

TEST(FormatObjectKeysTest, BackupKeysMatchTheDocumentedExamples) {
  EXPECT_EQ(ManifestKey("pitr-backup"), "pitr-backup/manifest.json");
  EXPECT_EQ(SegmentKey("pitr-backup", "payments", 2, 100, 199),
            "pitr-backup/topics/payments/2/00000000000000000100-00000000000000000199.kbs");
  EXPECT_EQ(OffsetCaptureKey("pitr-backup", 1764000000000),
            "pitr-backup/consumer-offsets/00000001764000000000.json");
  EXPECT_EQ(OffsetCapturePrefix("pitr-backup"), "pitr-backup/consumer-offsets/");
}

TEST(FormatObjectKeysTest, RestoreAndSnapshotKeysMatchTheDocumentedExamples) {
  const std::string restore_id = "restore-20261124T101530123Z";
  EXPECT_EQ(RestoreReportKey("pitr-backup", restore_id),
            "pitr-backup/restores/restore-20261124T101530123Z/report.json");
  EXPECT_EQ(OffsetMappingKey("pitr-backup", restore_id),
            "pitr-backup/restores/restore-20261124T101530123Z/offset-mapping.json");
  EXPECT_EQ(RestoreProgressKey("pitr-backup", restore_id),
            "pitr-backup/restores/restore-20261124T101530123Z/progress.json");
  EXPECT_EQ(RestorePrefix("pitr-backup"), "pitr-backup/restores/");
  EXPECT_EQ(SnapshotKey("snapshot-20261124T101530123Z-1a2b3c"),
            "offset-snapshots/snapshot-20261124T101530123Z-1a2b3c.json");
  EXPECT_EQ(SnapshotPrefix(), "offset-snapshots/");
}

TEST(FormatObjectKeysTest, SegmentKeysSortByOffsetAsPlainStrings) {
  const std::string a = SegmentKey("b", "t.x_y-z", 0, 9, 99);
  const std::string b = SegmentKey("b", "t.x_y-z", 0, 100, 100);
  const std::string c = SegmentKey("b", "t.x_y-z", 0, std::numeric_limits<int64_t>::max() - 1,
                                   std::numeric_limits<int64_t>::max());
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(c, "b/topics/t.x_y-z/0/09223372036854775806-09223372036854775807.kbs");
}

TEST(FormatObjectKeysTest, CatalogKeysMatchTheDocumentedExamples) {
  const std::string run = CatalogRunId(3, "1a2b3c4d");
  EXPECT_EQ(run, "9999999996-1a2b3c4d");
  EXPECT_EQ(CatalogRunEpoch(run), 3);
  EXPECT_EQ(CatalogRunEpoch("not-a-run"), -1);
  EXPECT_EQ(CatalogRunKey("pitr-backup", run), "pitr-backup/catalog/runs/9999999996-1a2b3c4d/run.json");
  EXPECT_EQ(CatalogRunTopicKey("pitr-backup", run, 2), "pitr-backup/catalog/runs/9999999996-1a2b3c4d/topics/000002.json");
  EXPECT_EQ(CatalogRunEndKey("pitr-backup", run), "pitr-backup/catalog/runs/9999999996-1a2b3c4d/end.json");
  EXPECT_EQ(CatalogCommitKey("pitr-backup", "payments", 2, run, 41),
            "pitr-backup/catalog/partitions/payments/2/commits/9999999996-1a2b3c4d-999999999958.json");
  EXPECT_EQ(CatalogCheckpointKey("pitr-backup", "payments", 2, run, 32),
            "pitr-backup/catalog/partitions/payments/2/checkpoints/000000000032-9999999996-1a2b3c4d.json");
  EXPECT_EQ(SegmentKeyForRun("pitr-backup", "payments", 2, 100, 199, run),
            "pitr-backup/topics/payments/2/00000000000000000100-00000000000000000199-9999999996-1a2b3c4d.kbs");
  // Newest first: a later run, and a higher seq of one run, sort before.
  EXPECT_LT(CatalogRunId(4, "ffffffff"), CatalogRunId(3, "00000000"));
  EXPECT_LT(CatalogCommitKey("b", "t", 0, run, 10), CatalogCommitKey("b", "t", 0, run, 9));
}

}  // namespace
}  // namespace kb::format
