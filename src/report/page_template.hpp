#pragma once
// The one way a self-contained page is written from its embedded template: the template holds
// `{{KEY}}` markers, everything between them is copied as is, and each marker is filled by the
// page's own writer. Shared by the evaluation report and the fleet page.
#include <functional>
#include <string_view>

#include "core/output_file.hpp"

namespace autoscale::report {

// Writes template `name` (an embedded asset) into `file`, calling `fill(key, file)` at each
// marker; `fill` returns false for a key it does not know, which is an Error naming the template.
void render_template(std::string_view name, OutputFile& file,
                     const std::function<bool(std::string_view key, OutputFile& file)>& fill);

// An embedded asset for inlining in a <script> or <style> element; Error if it contains
// `closing_tag` (it would end the element early).
std::string_view checked_inline(std::string_view name, std::string_view closing_tag);

// `text` with < and & escaped, for an element's text.
std::string html_escape(std::string_view text);

}  // namespace autoscale::report
