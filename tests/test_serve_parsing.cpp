// The pieces of the server that decide from bytes alone: when a request has fully arrived (the
// event loop hands only whole requests to the parser) and how strings are quoted in JSON logs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve/http_server.hpp"
#include "serve/json_log.hpp"

namespace autoscale::serve {
namespace {

TEST(RequestIsComplete, WaitsForTheHeadAndTheWholeBody) {
  const std::string head = "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n";
  EXPECT_FALSE(request_is_complete("", 1024));
  EXPECT_FALSE(request_is_complete("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-", 1024));
  EXPECT_FALSE(request_is_complete(head, 1024));
  EXPECT_FALSE(request_is_complete(head + "012345678", 1024));
  EXPECT_TRUE(request_is_complete(head + "0123456789", 1024));
  EXPECT_TRUE(request_is_complete(head + "0123456789GET /ping", 1024));  // pipelined: the first is whole
  EXPECT_TRUE(request_is_complete("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", 1024));
  EXPECT_TRUE(request_is_complete("GET /ping HTTP/1.1\nHost: x\n\n", 1024));
  // Header names are case-insensitive and values may carry spaces.
  EXPECT_FALSE(request_is_complete("POST / HTTP/1.1\r\ncontent-length:  4 \r\n\r\nabc", 1024));
  EXPECT_TRUE(request_is_complete("POST / HTTP/1.1\r\ncontent-length:  4 \r\n\r\nabcd", 1024));
}

TEST(RequestIsComplete, HandsOverWhatOnlyTheParserCanFinishOrRefuse) {
  // The end of these is not in the head; the parser reads them waiting on the socket.
  EXPECT_TRUE(request_is_complete("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 1024));
  EXPECT_TRUE(request_is_complete("POST / HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n", 1024));
  // Refused unread: a body over the limit (413) and a malformed length (400).
  EXPECT_TRUE(request_is_complete("POST / HTTP/1.1\r\nContent-Length: 4096\r\n\r\n", 1024));
  EXPECT_TRUE(request_is_complete("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 1024));
  // A head past httplib's limit is its to reject, not ours to wait on forever.
  EXPECT_FALSE(request_is_complete("GET / HTTP/1.1\r\nX: " + std::string(8000, 'a'), 1024));
  EXPECT_TRUE(request_is_complete("GET / HTTP/1.1\r\nX: " + std::string(9000, 'a'), 1024));
}

TEST(JsonQuote, PlainStringsAndOnesThatNeedEscapingBothParseBack) {
  for (const std::string s : {"", "invocations", "/v1/services/a-b_c/metrics", "say \"hi\"", "back\\slash", "tab\tnew\nline",
                              "caf\xc3\xa9"}) {
    const std::string q = json_quote(s);
    EXPECT_EQ(nlohmann::json::parse(q).get<std::string>(), s) << q;
  }
  EXPECT_EQ(json_quote("abc"), "\"abc\"");
  // Bytes that are not UTF-8 are replaced, never written raw into a log line.
  EXPECT_NO_THROW(nlohmann::json::parse(json_quote("bad \xff byte")));
}

}  // namespace
}  // namespace autoscale::serve
