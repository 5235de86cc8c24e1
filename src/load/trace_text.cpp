#include "load/trace_text.hpp"

#include <charconv>

#include "core/error.hpp"
#include "core/strings.hpp"

namespace autoscale {

std::vector<CsvLine> non_blank_lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark from Excel
  std::vector<CsvLine> lines;
  std::int64_t number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!trim(line).empty()) lines.push_back({number, line});
  }
  return lines;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto comma = line.find(',');
    std::string_view f = trim(line.substr(0, comma));
    // Spreadsheet exports quote header names.
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    fields.push_back(f);
    if (comma == std::string_view::npos) return fields;
    line.remove_prefix(comma + 1);
  }
}

std::string number_text(double x) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
  return std::string(buf, end);
}

std::string seconds_text(std::int64_t ms) { return number_text(static_cast<double>(ms) / 1000) + " s"; }

std::string quote_cell(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out(1, '\'');
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out.append("...");
  out.push_back('\'');
  return out;
}

std::string column_text(std::string_view name) { return "column " + quote_cell(name) + ": "; }

void fail(const std::string& source, const std::string& what) { throw Error(source + ": " + what); }

void fail(const std::string& source, std::int64_t line, const std::string& what) {
  throw Error(source + ":" + std::to_string(line) + ": " + what);
}

}  // namespace autoscale
