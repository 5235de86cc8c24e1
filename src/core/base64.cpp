#include "core/base64.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>

#include "core/error.hpp"

namespace autoscale {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int, 256> decoding_table() {
  std::array<int, 256> value{};
  for (auto& v : value) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) value[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  return value;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (const std::size_t rest = data.size() - i; rest > 0) {
    const std::uint32_t v = (p[i] << 16) | (rest == 2 ? p[i + 1] << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text, std::string_view what, Base64Padding padding) {
  static constexpr std::array<int, 256> value = decoding_table();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  int in_group = 0;  // characters of the current group of 4 seen (padding included)
  int pads = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_space(c)) continue;
    if (c == '=') {
      // Only the third and fourth characters of the last group may be padding.
      if (in_group < 2) throw Error(fmt::format("{}: not valid base64: '=' at offset {}", what, i));
      ++pads;
      ++in_group;
      bits <<= 6;
    } else {
      const int d = value[static_cast<unsigned char>(c)];
      if (d < 0 || pads > 0) throw Error(fmt::format("{}: not valid base64: '{}' at offset {}", what, c, i));
      bits = (bits << 6) | static_cast<std::uint32_t>(d);
      ++in_group;
    }
    if (in_group == 4) {
      out += static_cast<char>((bits >> 16) & 255);
      if (pads < 2) out += static_cast<char>((bits >> 8) & 255);
      if (pads < 1) out += static_cast<char>(bits & 255);
      bits = 0;
      in_group = 0;
      if (pads > 0) pads = 3;  // nothing may follow a padded group
    }
  }
  if (in_group == 0) return out;
  if (padding == Base64Padding::kRequired || pads > 0 || in_group == 1) {
    throw Error(fmt::format("{}: not valid base64: truncated (the last group has {} of 4 characters)", what, in_group));
  }
  // An unpadded last group of 2 or 3 characters: 1 or 2 bytes.
  bits <<= 6 * (4 - in_group);
  out += static_cast<char>((bits >> 16) & 255);
  if (in_group == 3) out += static_cast<char>((bits >> 8) & 255);
  return out;
}

}  // namespace autoscale
