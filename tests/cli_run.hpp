#pragma once
// Running the CLI binary from a test, the way a user's shell would: one helper for every test that
// drives `autoscale` as a process.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace autoscale::testing {

struct CliRun {
  int code = -1;
  std::string out;  // stdout (with stderr when merged)
  std::string err;  // stderr when kept apart
};

enum class Stderr { kDrop, kMerge, kApart };

// Runs `AUTOSCALE_CLI args` through the shell; `prefix` goes before the binary (environment
// assignments, `cd DIR &&`, `env -u VAR`).
inline CliRun run_cli(const std::string& args, Stderr stderr_to = Stderr::kDrop, const std::string& prefix = "") {
  static int counter = 0;
  const auto err_file = std::filesystem::temp_directory_path() /
                        ("autoscale_cli_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + ".err");
  const std::string redirect = stderr_to == Stderr::kMerge  ? " 2>&1"
                               : stderr_to == Stderr::kDrop ? " 2>/dev/null"
                                                            : " 2>" + err_file.string();
  const std::string cmd = prefix + " " + std::string(AUTOSCALE_CLI) + " " + args + redirect;
  FILE* p = popen(cmd.c_str(), "r");
  CliRun r;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (stderr_to == Stderr::kApart) {
    std::ifstream in(err_file);
    std::stringstream err;
    err << in.rdbuf();
    r.err = err.str();
    std::filesystem::remove(err_file);
  }
  return r;
}

}  // namespace autoscale::testing
