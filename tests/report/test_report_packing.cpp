#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "report/packing.hpp"

using namespace autoscale;
using namespace autoscale::report;

TEST(ReportPacking, IntegerColumnsTakeTheNarrowestTypeAndReadBackExactly) {
  struct Case {
    std::vector<std::int64_t> values;
    const char* type;
  };
  const std::vector<Case> cases{{{0, 1, 255}, "u8"},
                                {{-128, 0, 127}, "i8"},
                                {{0, 65535}, "u16"},
                                {{-1, 300}, "i16"},
                                {{-40000, 100000}, "i32"},
                                {{0, std::int64_t{1} << 40}, "f64"},
                                {{}, "u8"}};
  ColumnPacker p;
  std::vector<nlohmann::json> descriptors;
  for (const auto& c : cases) {
    descriptors.push_back(p.add_ints(c.values));
    EXPECT_EQ(descriptors.back()["type"], c.type);
    EXPECT_EQ(descriptors.back()["offset"].get<std::size_t>() % 8, 0u) << "columns are 8-byte aligned for typed-array views";
  }
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto back = read_column(p.bytes(), descriptors[k]);
    ASSERT_EQ(back.size(), cases[k].values.size());
    for (std::size_t i = 0; i < back.size(); ++i) EXPECT_EQ(back[i], static_cast<double>(cases[k].values[i]));
  }
}

TEST(ReportPacking, RealColumnsKeepNaNForMissingValues) {
  ColumnPacker p;
  const std::vector<double> v{1.5, std::numeric_limits<double>::quiet_NaN(), -2.25e6};
  p.add_ints(std::vector<std::int64_t>{1, 2, 3});  // a column before: offsets are not zero
  const auto d32 = p.add_f32(v);
  const auto d64 = p.add_f64(v);
  const auto a = read_column(p.bytes(), d32), b = read_column(p.bytes(), d64);
  EXPECT_EQ(a[0], 1.5);
  EXPECT_TRUE(std::isnan(a[1]));
  EXPECT_EQ(a[2], -2.25e6);
  EXPECT_EQ(b[2], -2.25e6);
  EXPECT_TRUE(std::isnan(b[1]));
}

TEST(ReportPacking, DescriptorsOutsideTheBufferAreErrors) {
  ColumnPacker p;
  const auto d = p.add_ints(std::vector<std::int64_t>{1, 2, 3});
  auto bad = d;
  bad["length"] = 1000;
  EXPECT_THROW(read_column(p.bytes(), bad), Error);
  bad = d;
  bad["type"] = "u64";
  EXPECT_THROW(read_column(p.bytes(), bad), Error);
  EXPECT_THROW(read_column(p.bytes(), nlohmann::json{{"type", "u8"}}), Error);
}

TEST(ReportPacking, ZlibAndBase64RoundTripAnyBytes) {
  std::mt19937 rng(7);
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 5u, 1000u, 100000u}) {
    std::string data(n, '\0');
    for (auto& c : data) c = static_cast<char>(rng() % 7);  // compressible but not trivial
    const std::string packed = base64_encode(zlib_compress(data));
    EXPECT_EQ(packed.size() % 4, 0u);
    EXPECT_EQ(zlib_decompress(base64_decode(packed, "packed")), data) << n;
  }
}

TEST(ReportPacking, CorruptInputIsAnError) {
  const std::string z = zlib_compress(std::string(1000, 'x'));
  EXPECT_THROW(zlib_decompress(z.substr(0, z.size() / 2)), Error);
  EXPECT_THROW(zlib_decompress("not zlib at all"), Error);
}
