#include "core/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "core/error.hpp"

namespace autoscale {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int err) {
  throw Error(std::string("cannot write ") + path.string() + ": " + what + ": " + std::strerror(err));
}

bool is_special(const struct stat& st) { return S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISBLK(st.st_mode); }

}  // namespace

OutputFile::OutputFile(const std::filesystem::path& path) : path_(path), dest_(path) {
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::error_code ec;
    dest_ = std::filesystem::weakly_canonical(path, ec);
    if (ec) fail(path, "resolve symlink", ec.value());
  }
  if (::stat(dest_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail(path, "open", EISDIR);
    if (is_special(st)) {
      fd_ = ::open(dest_.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0) fail(path, "open", errno);
      owns_fd_ = true;
      return;
    }
  }
  const auto dir = dest_.has_parent_path() ? dest_.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  tmp_ = dir / (dest_.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(std::random_device{}()));
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(tmp_, "open", errno);
  owns_fd_ = true;
}

OutputFile::~OutputFile() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void OutputFile::write(std::string_view data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path_, "write", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void OutputFile::commit() {
  if (committed_) return;
  if (tmp_.empty()) {
    committed_ = true;
    return;
  }
  if (::fsync(fd_) != 0) fail(tmp_, "fsync", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(tmp_, "close", errno);
  if (::rename(tmp_.c_str(), dest_.c_str()) != 0) fail(path_, "rename", errno);
  committed_ = true;
  const auto dir = dest_.has_parent_path() ? dest_.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
  OutputFile out(path);
  out.write(contents);
  out.commit();
}

}  // namespace autoscale
