#pragma once
#include <filesystem>
#include <string_view>

namespace autoscale {

// Writes `contents` to `path` so that readers see either the old file or the whole new one:
// temp file in the same directory, fsync, rename, fsync of the directory. Throws Error on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace autoscale
