// How strings are quoted in the server's JSON log lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve/json_log.hpp"

namespace autoscale::serve {
namespace {

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
