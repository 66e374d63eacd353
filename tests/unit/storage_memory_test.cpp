// Memory backend: stores with the same name share objects within one process.
#include <gtest/gtest.h>

#include "storage/memory_store.h"
#include "storage/storage_config.h"
#include "support/test_env.h"

namespace kb {
namespace {

TEST(MemoryStore, StoresWithTheSameNameShareObjects) {
  const std::string name = test::UniqueName("shared");
  MemoryStore writer(name);
  ASSERT_TRUE(writer.Put("k", "v"));
  MemoryStore reader(name);
  auto got = reader.Get("k");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "v");
}

TEST(MemoryStore, StoresWithDifferentNamesAreIsolated) {
  MemoryStore a(test::UniqueName("a"));
  MemoryStore b(test::UniqueName("b"));
  ASSERT_TRUE(a.Put("k", "v"));
  auto got = b.Get("k");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
}

TEST(MemoryStore, SharedObjectsOutliveTheStoreThatWroteThem) {
  const std::string name = test::UniqueName("outlive");
  { ASSERT_TRUE(MemoryStore(name).Put("k", "v")); }
  auto got = MemoryStore(name).Get("k");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "v");
  MemoryStore::ClearForTests(name);
  EXPECT_FALSE(MemoryStore(name).Get("k"));
}

TEST(MemoryStore, MemoryUrlsOpenedTwiceShareOneStore) {
  const std::string url = "memory://" + test::UniqueName("url");
  auto config = ParseStoragePath(url);
  ASSERT_TRUE(config) << config.error().ToString();
  auto first = OpenObjectStore(*config);
  auto second = OpenObjectStore(*config);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE((*first)->Put("manifest.json", "{}"));
  auto got = (*second)->Get("manifest.json");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "{}");
  EXPECT_EQ((*first)->Describe(), url);
}

TEST(MemoryStore, MissingKeyMessageNamesKeyAndStore) {
  MemoryStore store("named-store");
  auto got = store.Get("some/key");
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("some/key"), std::string::npos);
  EXPECT_NE(got.error().message.find("memory://named-store"), std::string::npos);
}

}  // namespace
}  // namespace kb
