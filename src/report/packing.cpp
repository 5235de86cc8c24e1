#include "report/packing.hpp"

#include <zlib.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"

namespace autoscale::report {
namespace {

template <typename T>
std::vector<T> narrow(std::span<const std::int64_t> values) {
  std::vector<T> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values[i]);
  return out;
}

template <typename T>
bool fits(std::int64_t lo, std::int64_t hi) {
  return lo >= std::numeric_limits<T>::min() && hi <= std::numeric_limits<T>::max();
}

struct TypeInfo {
  const char* name;
  std::size_t width;
};
constexpr std::array<TypeInfo, 7> kTypes{{{"u8", 1}, {"i8", 1}, {"u16", 2}, {"i16", 2}, {"i32", 4}, {"f32", 4}, {"f64", 8}}};

template <typename T>
void read_as_double(std::string_view bytes, std::size_t offset, std::size_t n, std::vector<double>& out) {
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, bytes.data() + offset + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

}  // namespace

nlohmann::json ColumnPacker::append(const char* type, const void* data, std::size_t count, std::size_t width) {
  bytes_.resize((bytes_.size() + 7) / 8 * 8, '\0');
  const std::size_t offset = bytes_.size();
  bytes_.append(static_cast<const char*>(data), count * width);
  return {{"type", type}, {"offset", offset}, {"length", count}};
}

nlohmann::json ColumnPacker::add_ints(std::span<const std::int64_t> values) {
  std::int64_t lo = 0, hi = 0;
  for (const auto v : values) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const std::size_t n = values.size();
  if (fits<std::uint8_t>(lo, hi)) return append("u8", narrow<std::uint8_t>(values).data(), n, 1);
  if (fits<std::int8_t>(lo, hi)) return append("i8", narrow<std::int8_t>(values).data(), n, 1);
  if (fits<std::uint16_t>(lo, hi)) return append("u16", narrow<std::uint16_t>(values).data(), n, 2);
  if (fits<std::int16_t>(lo, hi)) return append("i16", narrow<std::int16_t>(values).data(), n, 2);
  if (fits<std::int32_t>(lo, hi)) return append("i32", narrow<std::int32_t>(values).data(), n, 4);
  std::vector<double> wide(values.begin(), values.end());
  return add_f64(wide);
}

nlohmann::json ColumnPacker::add_f32(std::span<const double> values) {
  std::vector<float> f(values.begin(), values.end());
  return append("f32", f.data(), f.size(), 4);
}

nlohmann::json ColumnPacker::add_f64(std::span<const double> values) { return append("f64", values.data(), values.size(), 8); }

std::vector<double> read_column(std::string_view bytes, const nlohmann::json& d) {
  if (!d.is_object() || !d.contains("type") || !d.contains("offset") || !d.contains("length")) {
    throw Error("report column descriptor needs type, offset and length: " + d.dump());
  }
  const auto type = d["type"].get<std::string>();
  const auto offset = d["offset"].get<std::size_t>();
  const auto n = d["length"].get<std::size_t>();
  const TypeInfo* info = nullptr;
  for (const auto& t : kTypes) {
    if (type == t.name) info = &t;
  }
  if (!info) throw Error("report column has unknown type '" + type + "'");
  if (offset % info->width != 0 || offset > bytes.size() || n > (bytes.size() - offset) / info->width) {
    throw Error(fmt::format("report column {} does not fit a buffer of {} bytes", d.dump(), bytes.size()));
  }
  std::vector<double> out(n);
  if (type == "u8") read_as_double<std::uint8_t>(bytes, offset, n, out);
  if (type == "i8") read_as_double<std::int8_t>(bytes, offset, n, out);
  if (type == "u16") read_as_double<std::uint16_t>(bytes, offset, n, out);
  if (type == "i16") read_as_double<std::int16_t>(bytes, offset, n, out);
  if (type == "i32") read_as_double<std::int32_t>(bytes, offset, n, out);
  if (type == "f32") read_as_double<float>(bytes, offset, n, out);
  if (type == "f64") read_as_double<double>(bytes, offset, n, out);
  return out;
}

std::string zlib_compress(std::string_view data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::string out(size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
                           static_cast<uLong>(data.size()), 6);
  if (rc != Z_OK) throw Error(fmt::format("zlib compress failed (code {})", rc));
  out.resize(size);
  return out;
}

std::string zlib_decompress(std::string_view data) {
  z_stream s{};
  if (inflateInit(&s) != Z_OK) throw Error("zlib inflateInit failed");
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  std::string out;
  std::array<char, 1 << 16> buf{};
  int rc = Z_OK;
  while (rc == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(buf.data());
    s.avail_out = buf.size();
    rc = inflate(&s, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - s.avail_out);
    if (rc == Z_BUF_ERROR && s.avail_in == 0) break;
  }
  inflateEnd(&s);
  if (rc != Z_STREAM_END) throw Error(fmt::format("corrupt or truncated zlib data (code {})", rc));
  return out;
}

}  // namespace autoscale::report
