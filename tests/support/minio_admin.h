// What the S3 client of the tool does not do, for tests against the test MinIO: shell commands,
// signed curl requests, and buckets with Object Lock.
#pragma once

#include <string>
#include <utility>

namespace kb::test {

// Runs a shell command; its exit status and output (stdout and stderr).
std::pair<int, std::string> Shell(const std::string& command);
// A curl command signed for the test MinIO, on `path` (bucket[/key][?query]).
std::string MinioCurl(const std::string& method, const std::string& path, const std::string& extra = "");
// Creates `bucket` with Object Lock enabled (so versioning is on) and a default GOVERNANCE
// retention of `days`: every object written is kept that long. Fails the test on error.
void CreateObjectLockBucket(const std::string& bucket, int days);
// Creates `bucket` with versioning enabled (and no retention). Fails the test on error.
void CreateVersionedBucket(const std::string& bucket);
// How many versions and delete markers the keys under `prefix` of `bucket` have (up to 1000).
struct VersionCount {
  int versions = 0, delete_markers = 0;
};
VersionCount CountVersions(const std::string& bucket, const std::string& prefix);

}  // namespace kb::test
