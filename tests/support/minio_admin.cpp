#include "support/minio_admin.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "support/backup_fixture.h"
#include "support/test_env.h"

namespace kb::test {

std::pair<int, std::string> Shell(const std::string& command) {
  std::string out;
  FILE* f = popen((command + " 2>&1").c_str(), "r");
  if (!f) return {-1, "popen failed"};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int status = pclose(f);
  return {WEXITSTATUS(status), out};
}

std::string MinioCurl(const std::string& method, const std::string& path, const std::string& extra) {
  return "curl -sS --fail-with-body --max-time 20 --aws-sigv4 'aws:amz:" + RequireEnv("KB_S3_REGION") +
         ":s3' --user '" + RequireEnv("KB_S3_ACCESS_KEY") + ":" + RequireEnv("KB_S3_SECRET_KEY") + "' -X " + method +
         " " + extra + " '" + RequireEnv("KB_S3_ENDPOINT") + "/" + path + "'";
}

void CreateObjectLockBucket(const std::string& bucket, int days) {
  auto made = Shell(MinioCurl("PUT", bucket, "-H 'x-amz-bucket-object-lock-enabled: true'"));
  ASSERT_EQ(made.first, 0) << made.second;
  const std::string xml = TempDir("objlock") + "/lock.xml";
  std::ofstream(xml) << "<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE"
                        "</Mode><Days>"
                     << days << "</Days></DefaultRetention></Rule></ObjectLockConfiguration>";
  // curl signs a body only with its hash given; S3 wants Content-MD5 on this call.
  auto locked = Shell(MinioCurl("PUT", bucket + "?object-lock=",
                                "-H \"x-amz-content-sha256: $(sha256sum " + xml + " | cut -d' ' -f1)\" -H \"Content-MD5: " +
                                    "$(openssl md5 -binary " + xml + " | base64)\" --data-binary @" + xml));
  ASSERT_EQ(locked.first, 0) << locked.second;
}

void CreateVersionedBucket(const std::string& bucket) {
  auto made = Shell(MinioCurl("PUT", bucket));
  ASSERT_EQ(made.first, 0) << made.second;
  const std::string xml = TempDir("versioned") + "/versioning.xml";
  std::ofstream(xml) << "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Enabled"
                        "</Status></VersioningConfiguration>";
  auto enabled = Shell(MinioCurl("PUT", bucket + "?versioning=",
                                 "-H \"x-amz-content-sha256: $(sha256sum " + xml + " | cut -d' ' -f1)\" --data-binary @" +
                                     xml));
  ASSERT_EQ(enabled.first, 0) << enabled.second;
}

VersionCount CountVersions(const std::string& bucket, const std::string& prefix) {
  auto listed = Shell(MinioCurl("GET", bucket + "?max-keys=1000&prefix=" + prefix + "&versions="));
  EXPECT_EQ(listed.first, 0) << listed.second;
  VersionCount n;
  for (size_t at = 0; (at = listed.second.find("<Version>", at)) != std::string::npos; ++at) n.versions++;
  for (size_t at = 0; (at = listed.second.find("<DeleteMarker>", at)) != std::string::npos; ++at) n.delete_markers++;
  return n;
}

}  // namespace kb::test
