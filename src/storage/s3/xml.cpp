#include "storage/s3/xml.h"

#include <pugixml.hpp>

#include <charconv>
#include <sstream>

namespace kb::s3 {
namespace {

bool Load(pugi::xml_document& doc, std::string_view body) {
  return static_cast<bool>(doc.load_buffer(body.data(), body.size()));
}

std::string Snippet(std::string_view body) {
  std::string s(body.substr(0, 200));
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

std::optional<S3ErrorBody> ParseErrorBody(std::string_view body) {
  pugi::xml_document doc;
  if (body.empty() || !Load(doc, body)) return std::nullopt;
  pugi::xml_node err = doc.child("Error");
  if (!err) return std::nullopt;
  S3ErrorBody out;
  out.code = err.child_value("Code");
  out.message = err.child_value("Message");
  out.region = err.child_value("Region");
  return out;
}

Result<ListPage> ParseListObjectsV2(std::string_view body) {
  pugi::xml_document doc;
  pugi::xml_node root;
  if (Load(doc, body)) root = doc.child("ListBucketResult");
  if (!root)
    return Fail(ErrorCode::kCorrupt,
                "S3 ListObjectsV2 answer is not a <ListBucketResult> document: " + Snippet(body));
  ListPage page;
  for (pugi::xml_node c = root.child("Contents"); c; c = c.next_sibling("Contents")) {
    ObjectInfo info;
    info.key = c.child_value("Key");
    std::string_view size = c.child_value("Size");
    auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), info.size);
    if (info.key.empty() || ec != std::errc() || ptr != size.data() + size.size())
      return Fail(ErrorCode::kCorrupt, "S3 ListObjectsV2 entry without a valid Key/Size: " + Snippet(body));
    page.objects.push_back(std::move(info));
  }
  // With a delimiter, the groups of keys come as <CommonPrefixes><Prefix>a/b/</Prefix>: listed as
  // entries of size 0 whose key ends with '/'.
  for (pugi::xml_node c = root.child("CommonPrefixes"); c; c = c.next_sibling("CommonPrefixes")) {
    std::string prefix = c.child_value("Prefix");
    if (prefix.empty()) return Fail(ErrorCode::kCorrupt, "S3 ListObjectsV2 CommonPrefixes without a Prefix: " + Snippet(body));
    page.objects.push_back(ObjectInfo{std::move(prefix), 0});
  }
  page.truncated = std::string_view(root.child_value("IsTruncated")) == "true";
  page.next_continuation_token = root.child_value("NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty())
    return Fail(ErrorCode::kCorrupt,
                "S3 ListObjectsV2 page is truncated but has no NextContinuationToken");
  return page;
}

Result<std::string> ParseUploadId(std::string_view body) {
  pugi::xml_document doc;
  std::string id;
  if (Load(doc, body)) id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (id.empty())
    return Fail(ErrorCode::kCorrupt, "S3 CreateMultipartUpload answer has no UploadId: " + Snippet(body));
  return id;
}

std::string BuildCompleteMultipartUpload(const std::vector<std::string>& etags) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  for (size_t i = 0; i < etags.size(); ++i) {
    pugi::xml_node part = root.append_child("Part");
    part.append_child("PartNumber").text().set(static_cast<unsigned long long>(i + 1));
    part.append_child("ETag").text().set(etags[i].c_str());
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace kb::s3
