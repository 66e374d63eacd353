// The storage conformance suite: every ObjectStore backend must pass the same behaviours
// (in the spirit of Arrow's GenericFileSystemTest).
//
// Use: define a backend type with
//   static std::string Name();                         // test name suffix, e.g. "Filesystem"
//   static constexpr int kListPageSize;                 // keys per List page (the suite writes more)
//   std::unique_ptr<kb::ObjectStore> Open();           // a fresh, empty store (nullptr = failed;
//                                                      // the backend reports why with ADD_FAILURE)
//   ~Backend();                                        // removes what the test wrote
// then in a test file:
//   using Backends = ::testing::Types<MyBackend>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, StorageConformanceTest, Backends, kb::test::BackendNames);
#pragma once

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/backend.h"

namespace kb::test {

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::Name();
  }
};

// Deterministic bytes (all values 0..255 occur), different for each seed.
inline std::string PatternBytes(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  std::mt19937_64 rng(seed);
  size_t i = 0;
  while (i + 8 <= n) {
    uint64_t v = rng();
    for (int b = 0; b < 8; ++b) out[i++] = static_cast<char>((v >> (8 * b)) & 0xff);
  }
  while (i < n) out[i++] = static_cast<char>(rng() & 0xff);
  return out;
}

inline std::vector<std::string> KeysOf(const std::vector<ObjectInfo>& infos) {
  std::vector<std::string> keys;
  for (const auto& i : infos) keys.push_back(i.key);
  return keys;
}

template <typename Backend>
class StorageConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = backend_.Open();
    ASSERT_NE(store_, nullptr) << "could not open the " << Backend::Name() << " store";
  }

  void MustPut(const std::string& key, const std::string& data) {
    auto st = store_->Put(key, data);
    ASSERT_TRUE(st) << "Put " << key << ": " << st.error().ToString();
  }

  Backend backend_;
  std::unique_ptr<ObjectStore> store_;
};

TYPED_TEST_SUITE_P(StorageConformanceTest);

TYPED_TEST_P(StorageConformanceTest, PutThenGetReturnsTheSameBytes) {
  this->MustPut("backup-1/manifest.json", "{\"ok\":true}");
  auto got = this->store_->Get("backup-1/manifest.json");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "{\"ok\":true}");
}

TYPED_TEST_P(StorageConformanceTest, EmptyObjectRoundTrips) {
  this->MustPut("empty", "");
  auto got = this->store_->Get("empty");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "");
  auto size = this->store_->Size("empty");
  ASSERT_TRUE(size) << size.error().ToString();
  EXPECT_EQ(*size, 0u);
  auto range = this->store_->GetRange("empty", 0, 10);
  ASSERT_TRUE(range) << range.error().ToString();
  EXPECT_EQ(*range, "");
}

TYPED_TEST_P(StorageConformanceTest, GetRangeReturnsTheMiddleBytes) {
  this->MustPut("seg", "0123456789abcdef");
  auto got = this->store_->GetRange("seg", 4, 6);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "456789");
  auto first = this->store_->GetRange("seg", 0, 1);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(*first, "0");
}

TYPED_TEST_P(StorageConformanceTest, GetRangePastTheEndReturnsTheTail) {
  this->MustPut("seg", "0123456789");
  auto tail = this->store_->GetRange("seg", 7, 100);
  ASSERT_TRUE(tail) << tail.error().ToString();
  EXPECT_EQ(*tail, "789");
  auto beyond = this->store_->GetRange("seg", 10, 5);
  ASSERT_TRUE(beyond) << beyond.error().ToString();
  EXPECT_EQ(*beyond, "");
  auto far = this->store_->GetRange("seg", 1000, 5);
  ASSERT_TRUE(far) << far.error().ToString();
  EXPECT_EQ(*far, "");
  auto zero = this->store_->GetRange("seg", 3, 0);
  ASSERT_TRUE(zero) << zero.error().ToString();
  EXPECT_EQ(*zero, "");
}

TYPED_TEST_P(StorageConformanceTest, PutOverwritesTheWholeObject) {
  this->MustPut("k", "a much longer first version");
  this->MustPut("k", "short");
  auto got = this->store_->Get("k");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "short");
  auto size = this->store_->Size("k");
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 5u);
}

TYPED_TEST_P(StorageConformanceTest, ListReturnsKeysUnderPrefixSortedWithSizes) {
  this->MustPut("logs/b/c", "333");
  this->MustPut("logs/a", "1");
  this->MustPut("logsx/d", "22");
  this->MustPut("other", "4444");
  auto under_dir = this->store_->List("logs/");
  ASSERT_TRUE(under_dir) << under_dir.error().ToString();
  ASSERT_EQ(KeysOf(*under_dir), (std::vector<std::string>{"logs/a", "logs/b/c"}));
  EXPECT_EQ((*under_dir)[0].size, 1u);
  EXPECT_EQ((*under_dir)[1].size, 3u);
  // A prefix is a string prefix, not a directory: "logs" also matches "logsx/...".
  auto partial = this->store_->List("logs");
  ASSERT_TRUE(partial) << partial.error().ToString();
  EXPECT_EQ(KeysOf(*partial), (std::vector<std::string>{"logs/a", "logs/b/c", "logsx/d"}));
  auto in_name = this->store_->List("logs/b/");
  ASSERT_TRUE(in_name) << in_name.error().ToString();
  EXPECT_EQ(KeysOf(*in_name), (std::vector<std::string>{"logs/b/c"}));
}

TYPED_TEST_P(StorageConformanceTest, ListOfEmptyPrefixReturnsEverything) {
  this->MustPut("z", "1");
  this->MustPut("a/b", "2");
  this->MustPut("m/n/o", "3");
  auto all = this->store_->List("");
  ASSERT_TRUE(all) << all.error().ToString();
  EXPECT_EQ(KeysOf(*all), (std::vector<std::string>{"a/b", "m/n/o", "z"}));
}

TYPED_TEST_P(StorageConformanceTest, ListOfUnknownPrefixIsEmpty) {
  auto none = this->store_->List("nothing-here/");
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_TRUE(none->empty());
  this->MustPut("something/x", "1");
  auto still_none = this->store_->List("nothing-here/");
  ASSERT_TRUE(still_none) << still_none.error().ToString();
  EXPECT_TRUE(still_none->empty());
}

TYPED_TEST_P(StorageConformanceTest, ListReturnsEveryKeyBeyondOnePage) {
  const int n = TypeParam::kListPageSize * 3 + 2;
  std::vector<std::string> expected;
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "many/%04d", i);
    expected.push_back(name);
  }
  // Written in reverse so sorting is the store's work, not an accident of write order.
  for (auto it = expected.rbegin(); it != expected.rend(); ++it) this->MustPut(*it, *it);
  this->MustPut("manyother", "x");
  auto listed = this->store_->List("many/");
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(KeysOf(*listed), expected);
}

TYPED_TEST_P(StorageConformanceTest, DeleteRemovesTheObject) {
  this->MustPut("gone/soon", "x");
  this->MustPut("gone/stays", "y");
  ASSERT_TRUE(this->store_->Delete("gone/soon"));
  auto got = this->store_->Get("gone/soon");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  auto listed = this->store_->List("gone/");
  ASSERT_TRUE(listed);
  EXPECT_EQ(KeysOf(*listed), (std::vector<std::string>{"gone/stays"}));
}

TYPED_TEST_P(StorageConformanceTest, DeleteOfMissingKeySucceeds) {
  auto st = this->store_->Delete("never/written");
  EXPECT_TRUE(st) << st.error().ToString();
}

TYPED_TEST_P(StorageConformanceTest, ReadsOfMissingKeyAreNotFound) {
  auto get = this->store_->Get("missing/object");
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound) << get.error().ToString();
  EXPECT_NE(get.error().message.find("missing/object"), std::string::npos) << get.error().message;
  auto range = this->store_->GetRange("missing/object", 0, 10);
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().code, ErrorCode::kNotFound) << range.error().ToString();
  auto size = this->store_->Size("missing/object");
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().code, ErrorCode::kNotFound) << size.error().ToString();
}

TYPED_TEST_P(StorageConformanceTest, PrefixOfKeysIsNotAnObject) {
  this->MustPut("dir/file", "x");
  auto get = this->store_->Get("dir");
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound) << get.error().ToString();
  auto size = this->store_->Size("dir");
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().code, ErrorCode::kNotFound) << size.error().ToString();
}

TYPED_TEST_P(StorageConformanceTest, SizeReportsTheObjectLength) {
  this->MustPut("sized", std::string(12345, 'q'));
  auto size = this->store_->Size("sized");
  ASSERT_TRUE(size) << size.error().ToString();
  EXPECT_EQ(*size, 12345u);
}

TYPED_TEST_P(StorageConformanceTest, BinaryDataWithNulBytesRoundTrips) {
  std::string data;
  for (int round = 0; round < 4; ++round)
    for (int b = 0; b < 256; ++b) data.push_back(static_cast<char>(b));
  data += std::string(100, '\0');
  this->MustPut("bin/all-bytes", data);
  auto got = this->store_->Get("bin/all-bytes");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->size(), data.size());
  EXPECT_TRUE(*got == data);
  auto range = this->store_->GetRange("bin/all-bytes", 250, 12);
  ASSERT_TRUE(range) << range.error().ToString();
  EXPECT_TRUE(*range == data.substr(250, 12));
}

TYPED_TEST_P(StorageConformanceTest, LargeObjectRoundTrips) {
  // 40 MiB: above the S3 multipart threshold, several parts, a short last part.
  const size_t size = (40u << 20) + 12345;
  const std::string data = PatternBytes(size, 42);
  this->MustPut("big/segment", data);
  auto stored = this->store_->Size("big/segment");
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(*stored, size);
  auto got = this->store_->Get("big/segment");
  ASSERT_TRUE(got) << got.error().ToString();
  ASSERT_EQ(got->size(), size);
  EXPECT_TRUE(*got == data) << "content differs";
  // A range across the 8 MiB boundary (a part boundary on S3).
  const uint64_t off = (8u << 20) - 100;
  auto range = this->store_->GetRange("big/segment", off, 200);
  ASSERT_TRUE(range) << range.error().ToString();
  EXPECT_TRUE(*range == data.substr(off, 200));
}

TYPED_TEST_P(StorageConformanceTest, ConcurrentPutsFromManyThreadsAllLand) {
  constexpr int kThreads = 8, kPerThread = 6;
  std::vector<std::thread> threads;
  std::vector<std::string> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "conc/t" + std::to_string(t) + "/o" + std::to_string(i);
        auto st = this->store_->Put(key, PatternBytes(1000 + 37 * i, t * 100 + i));
        if (!st) failures[t] = st.error().ToString();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& f : failures) EXPECT_EQ(f, "");
  auto listed = this->store_->List("conc/");
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(listed->size(), static_cast<size_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      auto got = this->store_->Get("conc/t" + std::to_string(t) + "/o" + std::to_string(i));
      ASSERT_TRUE(got) << got.error().ToString();
      EXPECT_TRUE(*got == PatternBytes(1000 + 37 * i, t * 100 + i)) << "t=" << t << " i=" << i;
    }
  }
}

TYPED_TEST_P(StorageConformanceTest, ConcurrentOverwritesLeaveOneWholeVersion) {
  constexpr int kThreads = 6;
  std::set<std::string> versions;
  for (int t = 0; t < kThreads; ++t) versions.insert(PatternBytes(200000 + t, t + 7));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round)
        EXPECT_TRUE(this->store_->Put("contended", PatternBytes(200000 + t, t + 7)));
    });
  }
  // Meanwhile a reader must only ever see whole versions.
  for (int i = 0; i < 20; ++i) {
    auto got = this->store_->Get("contended");
    if (got) {
      EXPECT_EQ(versions.count(*got), 1u) << "read a torn object of " << got->size() << " bytes";
    } else {
      EXPECT_EQ(got.error().code, ErrorCode::kNotFound) << got.error().ToString();
    }
  }
  for (auto& th : threads) th.join();
  auto final_value = this->store_->Get("contended");
  ASSERT_TRUE(final_value) << final_value.error().ToString();
  EXPECT_EQ(versions.count(*final_value), 1u);
}

TYPED_TEST_P(StorageConformanceTest, KeysWithSpacesUnicodeAndPunctuationRoundTrip) {
  const std::vector<std::string> keys = {
      "odd keys/with space/file name.bin",
      "odd keys/na\xC3\xAFve \xE2\x9C\x93/\xE6\x97\xA5\xE6\x9C\xAC.txt",  // naïve ✓/日本.txt
      "odd keys/a+b=c&d;e,f@g$h!i'j(k)l*m",
      "odd keys/percent%20not-a-space",
      "odd keys/tilde~under_score-dash.dot",
  };
  for (size_t i = 0; i < keys.size(); ++i) this->MustPut(keys[i], "value " + std::to_string(i));
  for (size_t i = 0; i < keys.size(); ++i) {
    auto got = this->store_->Get(keys[i]);
    ASSERT_TRUE(got) << keys[i] << ": " << got.error().ToString();
    EXPECT_EQ(*got, "value " + std::to_string(i));
  }
  auto listed = this->store_->List("odd keys/");
  ASSERT_TRUE(listed) << listed.error().ToString();
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(KeysOf(*listed), sorted);
  ASSERT_TRUE(this->store_->Delete(keys[0]));
  EXPECT_FALSE(this->store_->Get(keys[0]));
}

TYPED_TEST_P(StorageConformanceTest, KeysThatEscapeTheRootAreRejected) {
  for (const std::string bad : {"../escape", "a/../../b", "/absolute", "a//b", "./a", "trailing/", ""}) {
    auto put = this->store_->Put(bad, "x");
    ASSERT_FALSE(put) << "Put accepted \"" << bad << "\"";
    EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument) << put.error().ToString();
    auto get = this->store_->Get(bad);
    ASSERT_FALSE(get);
    EXPECT_EQ(get.error().code, ErrorCode::kInvalidArgument) << get.error().ToString();
  }
  auto list = this->store_->List("../");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kInvalidArgument);
}

TYPED_TEST_P(StorageConformanceTest, BytesReadCountsFetchedBytes) {
  this->MustPut("counted", std::string(1000, 'c'));
  const uint64_t before = this->store_->bytes_read();
  ASSERT_TRUE(this->store_->Get("counted"));
  ASSERT_TRUE(this->store_->GetRange("counted", 100, 50));
  ASSERT_TRUE(this->store_->GetRange("counted", 990, 50));  // only 10 bytes exist there
  EXPECT_EQ(this->store_->bytes_read() - before, 1060u);
}

// ListOptions narrow a listing the way S3 does: after a key, at most N entries, and grouped at the
// next '/' (the catalog finds newest objects and backups this way, at a cost that does not grow
// with what is stored under the prefix).
TYPED_TEST_P(StorageConformanceTest, ListOptionsNarrowTheListing) {
  const int n = TypeParam::kListPageSize * 2 + 3;  // more than one page of directories
  std::vector<std::string> dirs;
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "opt/d%03d/", i);
    dirs.push_back(name);
    this->MustPut(dirs.back() + "x", "1");
    this->MustPut(dirs.back() + "sub/y", "22");
  }
  this->MustPut("opt/top", "333");
  this->MustPut("optional", "4");  // shares the prefix text, not the directory

  ListOptions groups;
  groups.directories = true;
  auto listed = this->store_->List("opt/", groups);
  ASSERT_TRUE(listed) << listed.error().ToString();
  std::vector<std::string> want = dirs;
  want.push_back("opt/top");
  EXPECT_EQ(KeysOf(*listed), want);
  EXPECT_EQ(listed->back().size, 3u);

  ListOptions first_two;
  first_two.directories = true;
  first_two.max_keys = 2;
  first_two.start_after = dirs[0];
  listed = this->store_->List("opt/", first_two);
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(KeysOf(*listed), (std::vector<std::string>{dirs[1], dirs[2]}));

  ListOptions after;
  after.start_after = dirs[n - 1] + "sub/y";
  listed = this->store_->List("opt/", after);
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(KeysOf(*listed), (std::vector<std::string>{dirs[n - 1] + "x", "opt/top"}));

  ListOptions one;
  one.max_keys = 1;
  listed = this->store_->List(dirs[3], one);
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(KeysOf(*listed), (std::vector<std::string>{dirs[3] + "sub/y"}));
}

REGISTER_TYPED_TEST_SUITE_P(StorageConformanceTest, PutThenGetReturnsTheSameBytes,
                            EmptyObjectRoundTrips, GetRangeReturnsTheMiddleBytes,
                            GetRangePastTheEndReturnsTheTail, PutOverwritesTheWholeObject,
                            ListReturnsKeysUnderPrefixSortedWithSizes,
                            ListOfEmptyPrefixReturnsEverything, ListOfUnknownPrefixIsEmpty,
                            ListReturnsEveryKeyBeyondOnePage, DeleteRemovesTheObject,
                            DeleteOfMissingKeySucceeds, ReadsOfMissingKeyAreNotFound,
                            PrefixOfKeysIsNotAnObject, SizeReportsTheObjectLength,
                            BinaryDataWithNulBytesRoundTrips, LargeObjectRoundTrips,
                            ConcurrentPutsFromManyThreadsAllLand,
                            ConcurrentOverwritesLeaveOneWholeVersion,
                            KeysWithSpacesUnicodeAndPunctuationRoundTrip,
                            KeysThatEscapeTheRootAreRejected, BytesReadCountsFetchedBytes,
                            ListOptionsNarrowTheListing);

}  // namespace kb::test
