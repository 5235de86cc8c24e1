#pragma once
#include <filesystem>
#include <string>

namespace autoscale::serve {

// The whole of a file the server reads (a model, a token, a state file); Error "cannot read
// <what> <path>" when it cannot be opened.
std::string read_text_file(const std::filesystem::path& path, const std::string& what);

}  // namespace autoscale::serve
