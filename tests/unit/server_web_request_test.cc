#include "server/web_request.h"

#include <gtest/gtest.h>

namespace pchat::server {
namespace {

TEST(WebRequest, FilePathsStayUnderTheRoot) {
  EXPECT_EQ(web_file_path("/"), "index.html");
  EXPECT_EQ(web_file_path("/?x=1"), "index.html");
  EXPECT_EQ(web_file_path("/app.js"), "app.js");
  EXPECT_EQ(web_file_path("/assets/a%20b.css#x"), "assets/a b.css");
  EXPECT_EQ(web_file_path("/assets/"), "assets/index.html");
  EXPECT_EQ(web_file_path("//etc/passwd"), "etc/passwd");  // never absolute
  EXPECT_EQ(web_file_path("/a//b"), "a/b");
  EXPECT_FALSE(web_file_path("/../etc/passwd"));
  EXPECT_FALSE(web_file_path("/a/../../x"));
  EXPECT_FALSE(web_file_path("/%2e%2e/etc/passwd"));
  EXPECT_FALSE(web_file_path("/%2E%2E%2Fetc%2Fpasswd"));
  EXPECT_FALSE(web_file_path("/a%2fb"));
  EXPECT_FALSE(web_file_path("/a%5c..%5cb"));
  EXPECT_FALSE(web_file_path("/a%00.js"));
  EXPECT_FALSE(web_file_path("/./a"));
  EXPECT_FALSE(web_file_path("etc/passwd"));
  EXPECT_FALSE(web_file_path("http://example.org/"));
  EXPECT_FALSE(web_file_path(""));
}

TEST(WebRequest, ContentTypes) {
  EXPECT_EQ(web_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(web_content_type("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(web_content_type("STYLE.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(web_content_type("logo.svg"), "image/svg+xml");
  EXPECT_EQ(web_content_type("a.png"), "image/png");
  EXPECT_EQ(web_content_type("m.json"), "application/json");
  EXPECT_EQ(web_content_type("f.woff2"), "font/woff2");
  EXPECT_EQ(web_content_type("favicon.ico"), "image/x-icon");
  EXPECT_EQ(web_content_type("README"), "application/octet-stream");
}

TEST(WebRequest, SubprotocolIsTheClientsFirstSupported) {
  EXPECT_EQ(choose_web_subprotocol(""), "");
  EXPECT_EQ(choose_web_subprotocol("chat, superchat"), "");
  EXPECT_EQ(choose_web_subprotocol("text.ircv3.net"), "text.ircv3.net");
  EXPECT_EQ(choose_web_subprotocol("binary.ircv3.net, text.ircv3.net"), "binary.ircv3.net");
  EXPECT_EQ(choose_web_subprotocol("x, text.ircv3.net,binary.ircv3.net"), "text.ircv3.net");
}

TEST(WebRequest, OriginCheck) {
  const std::vector<std::string> none;
  const std::vector<std::string> listed{"https://chat.example.org/"};
  EXPECT_TRUE(web_origin_allowed("", "http://h:1", none));  // not a browser
  EXPECT_TRUE(web_origin_allowed("http://h:1", "http://h:1", none));
  EXPECT_TRUE(web_origin_allowed("HTTP://H:1", "http://h:1", none));
  EXPECT_FALSE(web_origin_allowed("http://evil.example", "http://h:1", none));
  EXPECT_FALSE(web_origin_allowed("https://h:1", "http://h:1", none));  // scheme counts
  EXPECT_FALSE(web_origin_allowed("null", "http://h:1", none));
  EXPECT_TRUE(web_origin_allowed("https://chat.example.org", "http://h:1", listed));
  EXPECT_FALSE(web_origin_allowed("https://chat.example.org.evil", "http://h:1", listed));
}

TEST(WebRequest, UrlOriginAndCsp) {
  EXPECT_EQ(url_origin("https://Files.example.org:8443/up/x"), "https://files.example.org:8443");
  EXPECT_EQ(url_origin("http://h:1"), "http://h:1");
  EXPECT_EQ(url_origin("ftp://h"), "");
  EXPECT_EQ(url_origin(""), "");
  const std::string csp = web_csp("https://files.example.org");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self' https://files.example.org;"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(web_csp("").find("connect-src 'self';"), std::string::npos);
  EXPECT_NE(web_etag(10, 1), web_etag(10, 2));
}

}  // namespace
}  // namespace pchat::server
