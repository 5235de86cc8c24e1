#pragma once
// The text side of reading traces: CSV lines and fields, and the pieces of error messages, so
// every message names the file and line the same way ("nasa.csv:1042: column 'requests': ...").
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace autoscale {

struct CsvLine {
  std::int64_t number;  // 1-based, counting blank lines too so it matches an editor
  std::string_view text;
};

// Non-blank lines (CRLF or LF, a UTF-8 byte-order mark dropped); views into `text`.
std::vector<CsvLine> non_blank_lines(std::string_view text);
// Comma-separated fields, trimmed, surrounding quotes removed (quoted commas are not supported).
std::vector<std::string_view> split_fields(std::string_view line);

// Shortest text that reads back as the same double ("60", "0.5", "1e+20").
std::string number_text(double x);
std::string seconds_text(std::int64_t ms);  // "0.5 s"
// 'cell', cut after 40 characters so that one bad row cannot flood the terminal.
std::string quote_cell(std::string_view cell);
std::string column_text(std::string_view name);  // "column 'name': "

[[noreturn]] void fail(const std::string& source, const std::string& what);
[[noreturn]] void fail(const std::string& source, std::int64_t line, const std::string& what);

}  // namespace autoscale
