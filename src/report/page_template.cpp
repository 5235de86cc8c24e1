#include "report/page_template.hpp"

#include <fmt/format.h>

#include <string>

#include "core/error.hpp"
#include "report/assets.hpp"

namespace autoscale::report {

void render_template(std::string_view name, OutputFile& file,
                     const std::function<bool(std::string_view key, OutputFile& file)>& fill) {
  const std::string_view tmpl = asset(name);
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    const auto m = tmpl.find("{{", pos);
    if (m == std::string_view::npos) {
      file.write(tmpl.substr(pos));
      break;
    }
    const auto e = tmpl.find("}}", m);
    if (e == std::string_view::npos) throw Error(fmt::format("{} template: unterminated marker", name));
    file.write(tmpl.substr(pos, m - pos));
    const std::string_view key = tmpl.substr(m + 2, e - m - 2);
    if (!fill(key, file)) throw Error(fmt::format("{} template: unknown marker '{}'", name, key));
    pos = e + 2;
  }
}

std::string_view checked_inline(std::string_view name, std::string_view closing_tag) {
  const std::string_view text = asset(name);
  if (text.find(closing_tag) != std::string_view::npos) {
    throw Error(fmt::format("embedded asset {} contains '{}' and cannot be inlined", name, closing_tag));
  }
  return text;
}

std::string html_escape(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (c == '<') {
      escaped.append("&lt;");
    } else if (c == '&') {
      escaped.append("&amp;");
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

}  // namespace autoscale::report
