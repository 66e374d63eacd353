// The few S3 XML documents kafka-backup reads and writes, parsed with pugixml.
//
// Contract: parsers accept the documents AWS S3 and MinIO send (namespaced or not) and fail with
// kCorrupt when a required element is missing, so a proxy's HTML error page is reported, not
// silently read as "no objects".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "storage/backend.h"

namespace kb::s3 {

// <Error><Code>NoSuchKey</Code><Message>...</Message><Region>...</Region></Error>
struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string region;  // present on some region errors
};
// The error document, or nullopt when `body` is not an S3 <Error> document.
std::optional<S3ErrorBody> ParseErrorBody(std::string_view body);

// One page of ListObjectsV2 (<ListBucketResult>): keys are full object keys as stored.
struct ListPage {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
  std::string next_continuation_token;
};
Result<ListPage> ParseListObjectsV2(std::string_view body);

// <InitiateMultipartUploadResult><UploadId>...</UploadId>
Result<std::string> ParseUploadId(std::string_view body);

// <CompleteMultipartUpload> with parts numbered 1..etags.size() in order.
std::string BuildCompleteMultipartUpload(const std::vector<std::string>& etags);

}  // namespace kb::s3
