// Filesystem backend behaviours beyond the shared conformance suite: layout on disk, temp files,
// and errors that name the path.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "storage/filesystem_store.h"

namespace kb {
namespace {
namespace fs = std::filesystem;

class FilesystemStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "kb-fs-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static std::string ReadFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::vector<std::string> FilesUnder(const fs::path& root) {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).generic_string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

TEST_F(FilesystemStoreTest, ObjectIsAPlainFileInNestedDirectoriesUnderTheRoot) {
  FilesystemStore store((dir_ / "backups").string());
  ASSERT_TRUE(store.Put("pitr/topic=payments/p-0/seg-1", "segment bytes"));
  EXPECT_EQ(ReadFile(dir_ / "backups/pitr/topic=payments/p-0/seg-1"), "segment bytes");
}

TEST_F(FilesystemStoreTest, PutLeavesNoTempFilesBehind) {
  FilesystemStore store(dir_.string());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store.Put("a/k" + std::to_string(i), std::string(1000, 'x')));
  ASSERT_TRUE(store.Put("a/k0", "overwritten"));
  EXPECT_EQ(FilesUnder(dir_), (std::vector<std::string>{"a/k0", "a/k1", "a/k2", "a/k3", "a/k4"}));
}

TEST_F(FilesystemStoreTest, ListSkipsTempFilesLeftByACrash) {
  FilesystemStore store(dir_.string());
  ASSERT_TRUE(store.Put("a/real", "1"));
  std::ofstream(dir_ / "a" / (std::string(FilesystemStore::kTempPrefix) + "123-0-99")) << "partial";
  auto listed = store.List("");
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "a/real");
}

TEST_F(FilesystemStoreTest, ListOfAMissingRootIsEmpty) {
  FilesystemStore store((dir_ / "not-created-yet").string());
  auto listed = store.List("");
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_TRUE(listed->empty());
}

TEST_F(FilesystemStoreTest, GetOfMissingKeyNamesTheFullPath) {
  FilesystemStore store(dir_.string());
  auto got = store.Get("no/such/object");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  EXPECT_NE(got.error().message.find((dir_ / "no/such/object").string()), std::string::npos)
      << got.error().message;
}

TEST_F(FilesystemStoreTest, PutUnderARootThatIsAFileFailsNamingThePath) {
  std::ofstream(dir_ / "plain-file") << "not a directory";
  FilesystemStore store((dir_ / "plain-file").string());
  auto st = store.Put("x/y", "data");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find((dir_ / "plain-file").string()), std::string::npos)
      << st.error().message;
}

TEST_F(FilesystemStoreTest, KeyCannotBeBothObjectAndDirectory) {
  FilesystemStore store(dir_.string());
  ASSERT_TRUE(store.Put("a", "object"));
  auto st = store.Put("a/b", "below an object");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find((dir_ / "a").string()), std::string::npos) << st.error().message;
  auto still = store.Get("a");
  ASSERT_TRUE(still);
  EXPECT_EQ(*still, "object");
}

TEST_F(FilesystemStoreTest, EscapingKeysDoNotTouchFilesOutsideTheRoot) {
  std::ofstream(dir_ / "outside") << "keep me";
  FilesystemStore store((dir_ / "root").string());
  auto st = store.Put("../outside", "clobbered");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(st.error().message.find("../outside"), std::string::npos);
  EXPECT_EQ(ReadFile(dir_ / "outside"), "keep me");
  auto del = store.Delete("../outside");
  EXPECT_FALSE(del);
  EXPECT_TRUE(fs::exists(dir_ / "outside"));
}

TEST_F(FilesystemStoreTest, RelativeRootIsResolvedOnceAndDescribed) {
  FilesystemStore store("relative/backups");
  EXPECT_EQ(store.root(), (fs::current_path() / "relative/backups").string());
  EXPECT_EQ(store.Describe(), "directory " + store.root());
  FilesystemStore trailing((dir_ / "x").string() + "/");
  EXPECT_EQ(trailing.root(), (dir_ / "x").string());
}

TEST_F(FilesystemStoreTest, ListWithDirectoryPrefixReturnsOnlyThatDirectory) {
  FilesystemStore store(dir_.string());
  ASSERT_TRUE(store.Put("wanted/a", "1"));
  ASSERT_TRUE(store.Put("unrelated/b", "2"));
  ASSERT_TRUE(store.Put("wanted-not/c", "3"));
  auto listed = store.List("wanted/");
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "wanted/a");
  EXPECT_EQ((*listed)[0].size, 1u);
}

}  // namespace
}  // namespace kb
