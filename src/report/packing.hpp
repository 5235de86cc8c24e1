#pragma once
// The report embeds its numbers as typed binary columns (compressed, then base64 text inside the
// HTML) instead of JSON arrays: a week of minutes for ten policies is ~1M numbers, which as JSON
// text would be tens of megabytes and slow to parse. The page decompresses them with the browser's
// DecompressionStream("deflate") and reads them as typed arrays without copying.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace autoscale::report {

// Appends columns to one binary buffer, each 8-byte aligned so the page can view it as a typed
// array in place. Integer columns are stored in the narrowest of u8, i8, u16, i16, i32 that holds
// every value (f64 beyond); real columns as f32 or f64. The returned descriptor
// {"type", "offset", "length"} locates the column in the buffer.
class ColumnPacker {
 public:
  nlohmann::json add_ints(std::span<const std::int64_t> values);
  nlohmann::json add_f32(std::span<const double> values);  // NaN stays NaN (missing values)
  nlohmann::json add_f64(std::span<const double> values);
  const std::string& bytes() const { return bytes_; }

 private:
  nlohmann::json append(const char* type, const void* data, std::size_t count, std::size_t width);
  std::string bytes_;
};

// Reads a column back from a buffer as doubles (what the tests and the round trip check use).
// Throws Error if the descriptor does not fit the buffer or names an unknown type.
std::vector<double> read_column(std::string_view bytes, const nlohmann::json& descriptor);

// zlib format (RFC 1950), which DecompressionStream("deflate") reads.
std::string zlib_compress(std::string_view data);
std::string zlib_decompress(std::string_view data);


}  // namespace autoscale::report
