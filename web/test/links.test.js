// Which links get the account's credentials, and how a file's name is sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isFileHostUrl } from "../js/view.js";
import { disposition } from "../js/files.js";

test("only the file host's own downloads are file-host links", () => {
  const host = "https://files.example.org";
  assert.equal(isFileHostUrl("https://files.example.org/12/report.pdf", host), true);
  assert.equal(isFileHostUrl("https://files.example.org.evil.net/12/x", host), false, "a look-alike host");
  assert.equal(isFileHostUrl("http://files.example.org/12/x", host), false, "another scheme");
  assert.equal(isFileHostUrl("https://files.example.org:444/12/x", host), false, "another port");
  assert.equal(isFileHostUrl("https://user:pw@files.example.org/12/x", host), false);
  assert.equal(isFileHostUrl("https://files.example.org/12/x", ""), false);
  const sub = "http://127.0.0.1:8082/files";
  assert.equal(isFileHostUrl("http://127.0.0.1:8082/files/3/a.txt", sub), true);
  assert.equal(isFileHostUrl("http://127.0.0.1:8082/filesX/3/a.txt", sub), false, "a path that only starts alike");
  assert.equal(isFileHostUrl("not a url", host), false);
});

test("a file name goes out as ASCII in filename= and as UTF-8 in filename*=", () => {
  assert.equal(disposition("report.pdf"), `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  const d = disposition('报告 "q".pdf');
  assert.match(d, /^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
  assert.ok(!/[^\x00-\xff]/.test(d), "a header value must be Latin-1");
  assert.equal(decodeURIComponent(d.split("UTF-8''")[1]), '报告 "q".pdf');
});
