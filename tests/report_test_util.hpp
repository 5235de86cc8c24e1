#pragma once
// Temporary files for the report tests.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace report_test {

// A directory of its own under the system temp dir, removed when the test ends.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("autoscale_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path write(const std::string& file, const std::string& text) const {
    std::ofstream(path / file, std::ios::binary) << text;
    return path / file;
  }
};

}  // namespace report_test
