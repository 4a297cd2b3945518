#include "server/file_request.h"

#include <gtest/gtest.h>

namespace pchat::server {
namespace {

TEST(FileRequest, PercentCodingRoundTrips) {
  EXPECT_EQ(percent_decode("%23legal", false), "#legal");
  EXPECT_EQ(percent_decode("a+b%20c", false), "a+b c");
  EXPECT_EQ(percent_decode("a+b%20c", true), "a b c");
  EXPECT_EQ(percent_decode("100%", false), "100%");
  EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(percent_encode("r\xc3\xa9sum\xc3\xa9 v1.pdf"), "r%C3%A9sum%C3%A9%20v1.pdf");
  EXPECT_EQ(percent_decode(percent_encode("#a/b?c d"), false), "#a/b?c d");
}

TEST(FileRequest, FilesUrl) {
  std::string error;
  auto u = parse_files_url("https://chat.example.com/files/", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->url, "https://chat.example.com/files");
  EXPECT_EQ(u->path, "/files");
  u = parse_files_url("http://127.0.0.1:8081", error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->path, "");
  EXPECT_FALSE(parse_files_url("ftp://x", error));
  EXPECT_NE(error.find("http"), std::string::npos);
  EXPECT_FALSE(parse_files_url("http://a b", error));
  EXPECT_FALSE(parse_files_url("http:///x", error));
  EXPECT_FALSE(parse_files_url("http://x,y", error));  // ISUPPORT lists are comma-separated
}

TEST(FileRequest, Routes) {
  auto r = parse_file_route("/files/%23legal", "/files");
  EXPECT_EQ(r.kind, FileRoute::kRoom);
  EXPECT_EQ(r.room, "#legal");
  r = parse_file_route("/legal", "");
  EXPECT_EQ(r.kind, FileRoute::kRoom);
  EXPECT_EQ(r.room, "#legal");
  r = parse_file_route("/12/a%20b.txt?x=1", "");
  EXPECT_EQ(r.kind, FileRoute::kFile);
  EXPECT_EQ(r.id, 12);
  EXPECT_EQ(r.name, "a b.txt");
  EXPECT_EQ(parse_file_route("/", "").kind, FileRoute::kRoot);
  EXPECT_EQ(parse_file_route("/files", "/files").kind, FileRoute::kRoot);
  EXPECT_EQ(parse_file_route("/other/x", "/files").kind, FileRoute::kNone);
  EXPECT_EQ(parse_file_route("/x12/a", "").kind, FileRoute::kNone);
  EXPECT_EQ(parse_file_route("/0/a", "").kind, FileRoute::kNone);
  EXPECT_EQ(parse_file_route("/1/a/b", "").kind, FileRoute::kNone);
  EXPECT_EQ(parse_file_route("/1/", "").kind, FileRoute::kNone);
}

TEST(FileRequest, BasicAuth) {
  auto c = parse_basic_auth("Basic YWxpY2U6czNjcjN0OnBhc3M=");  // alice:s3cr3t:pass
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "alice");
  EXPECT_EQ(c->second, "s3cr3t:pass");
  EXPECT_TRUE(parse_basic_auth("basic YWxpY2U6eA=="));
  EXPECT_FALSE(parse_basic_auth(""));
  EXPECT_FALSE(parse_basic_auth("Bearer abc"));
  EXPECT_FALSE(parse_basic_auth("Basic !!!"));
  EXPECT_FALSE(parse_basic_auth("Basic YWxpY2U="));  // "alice": no colon
}

TEST(FileRequest, DispositionFilename) {
  EXPECT_EQ(disposition_filename("attachment; filename=\"report.pdf\""), "report.pdf");
  EXPECT_EQ(disposition_filename("attachment; filename=plain.txt"), "plain.txt");
  EXPECT_EQ(disposition_filename("attachment; filename=\"a\\\"b;c.txt\""), "a\"b;c.txt");
  EXPECT_EQ(disposition_filename(
                "attachment; filename=\"fallback.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"),
            "r\xc3\xa9sum\xc3\xa9.txt");
  EXPECT_EQ(disposition_filename("attachment"), "");
  EXPECT_EQ(disposition_filename(""), "");
}

TEST(FileRequest, SanitizeFilename) {
  EXPECT_EQ(sanitize_filename("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitize_filename("C:\\Users\\x\\notes.txt"), "notes.txt");
  EXPECT_EQ(sanitize_filename("..."), "file");
  EXPECT_EQ(sanitize_filename(""), "file");
  EXPECT_EQ(sanitize_filename(".hidden"), "hidden");
  EXPECT_EQ(sanitize_filename("a\"b<c>\r\n.txt"), "a_b_c___.txt");
  EXPECT_EQ(sanitize_filename("r\xc3\xa9sum\xc3\xa9 (1).pdf"), "r\xc3\xa9sum\xc3\xa9 (1).pdf");
  EXPECT_EQ(sanitize_filename("bad\xff\xfe.bin"), "bad__.bin");
  const std::string long_name = std::string(300, 'x') + ".pdf";
  const std::string s = sanitize_filename(long_name);
  EXPECT_EQ(s.size(), kMaxFileNameBytes);
  EXPECT_TRUE(s.ends_with(".pdf"));
  // A cut never splits a UTF-8 sequence.
  std::string accents;
  for (int i = 0; i < 80; ++i) accents += "\xc3\xa9";
  EXPECT_LE(sanitize_filename(accents).size(), kMaxFileNameBytes);
  EXPECT_EQ(sanitize_filename(accents).size() % 2, 0u);
}

TEST(FileRequest, ContentType) {
  EXPECT_EQ(sanitize_content_type("Text/Plain; charset=UTF-8; x=y"), "text/plain; charset=UTF-8");
  EXPECT_EQ(sanitize_content_type("image/png"), "image/png");
  EXPECT_EQ(sanitize_content_type(""), "application/octet-stream");
  EXPECT_EQ(sanitize_content_type("nonsense"), "application/octet-stream");
  EXPECT_EQ(sanitize_content_type("text/html\r\nX-Evil: 1"), "application/octet-stream");
}

TEST(FileRequest, SizesAndDisposition) {
  EXPECT_EQ(format_size(512), "512 B");
  EXPECT_EQ(format_size(1536), "1.5 KB");
  EXPECT_EQ(format_size(4 * 1024 * 1024), "4.0 MB");
  EXPECT_EQ(attachment_disposition("r\xc3\xa9 \"x\".txt"),
            "attachment; filename=\"r__ _x_.txt\"; filename*=UTF-8''r%C3%A9%20%22x%22.txt");
}

}  // namespace
}  // namespace pchat::server
