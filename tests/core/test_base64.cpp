// The one base64 codec (core/base64.hpp): RFC 4648's vectors, padding required (the report's
// embedded columns) or optional (kubeconfig data), whitespace skipped, and errors that name what
// was being decoded and where.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "core/base64.hpp"
#include "core/error.hpp"

namespace autoscale {
namespace {

using ::testing::HasSubstr;

TEST(Base64, Rfc4648VectorsBothWays) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    EXPECT_EQ(base64_encode(plain), coded);
    EXPECT_EQ(base64_decode(coded, "v"), plain) << coded;
    EXPECT_EQ(base64_decode(coded, "v", Base64Padding::kOptional), plain) << coded;
  }
}

TEST(Base64, AnyBytesRoundTrip) {
  std::mt19937 rng(11);
  for (std::size_t n = 0; n < 40; ++n) {
    std::string data(n, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    EXPECT_EQ(base64_decode(base64_encode(data), "data"), data) << n;
  }
}

TEST(Base64, PaddingOptionalOnlyWhenAskedAndWhitespaceSkipped) {
  EXPECT_EQ(base64_decode("aGVs\nbG8", "x", Base64Padding::kOptional), "hello");
  EXPECT_EQ(base64_decode("aGVs bG8=\r\n", "x"), "hello");
  EXPECT_EQ(base64_decode("Zg", "x", Base64Padding::kOptional), "f");
  EXPECT_THROW(base64_decode("Zg", "x"), Error);
}

TEST(Base64, ErrorsNameWhatAndWhere) {
  struct Case {
    std::string text;
    Base64Padding padding;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"abc", Base64Padding::kRequired, "truncated (the last group has 3 of 4 characters)"},
      {"a", Base64Padding::kOptional, "truncated (the last group has 1 of 4 characters)"},
      {"ab!d", Base64Padding::kRequired, "'!' at offset 2"},
      {"a=bc", Base64Padding::kRequired, "'=' at offset 1"},
      {"aGVsbG8=x", Base64Padding::kOptional, "'x' at offset 8"},
      {"Zg==Zg==", Base64Padding::kRequired, "'Z' at offset 4"},
      {"Zm9=v", Base64Padding::kOptional, "'v' at offset 4"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      base64_decode(c.text, "users[0].user.client-key-data", c.padding);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("users[0].user.client-key-data: not valid base64"));
      EXPECT_THAT(e.what(), HasSubstr(c.says));
    }
  }
}

}  // namespace
}  // namespace autoscale
