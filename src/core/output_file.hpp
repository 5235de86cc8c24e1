#pragma once
#include <filesystem>
#include <string_view>

namespace autoscale {

// A file that readers see either as it was or whole as written, streamed in pieces so that large
// outputs never sit in memory. Where the path leads decides how:
// - "-": standard output, written as it comes;
// - a regular file or a new name: a temp file in the same directory, fsync, then commit() renames
//   it over the path and fsyncs the directory;
// - a symlink: followed, and its target treated the same way (the link itself stays);
// - a device, FIFO or socket (/dev/stdout, /dev/null, a pipe): written through, never renamed
//   over, since replacing it would break whoever else uses it.
// Without commit() (an exception on the way), the temp file is removed and the path untouched.
// Errors are autoscale::Error naming the path, the operation and the system's reason.
class OutputFile {
 public:
  explicit OutputFile(const std::filesystem::path& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view data);
  void commit();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;  // as given, for messages
  std::filesystem::path dest_;  // where a rename lands (the symlink's target for a symlink)
  std::filesystem::path tmp_;   // empty unless writing through a temp file
  int fd_ = -1;
  bool owns_fd_ = false;
  bool committed_ = false;
};

// The whole of `contents` to `path`, as OutputFile writes it.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace autoscale
