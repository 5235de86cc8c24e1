#pragma once
// A test's scratch folder and reading a file back: one way for every test.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace autoscale::testing {

// An empty folder <tmp>/autoscale_<name>_<pid> (emptied if an earlier run left it).
inline std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("autoscale_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// A file's whole content, bytes as they are; "" when it cannot be read.
inline std::string read_file_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace autoscale::testing
