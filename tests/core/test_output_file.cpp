#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/output_file.hpp"

namespace autoscale {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("autoscale_out_" + std::to_string(::getpid()) + "_" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OutputFile, ReplacesARegularFileWholeOnlyOnCommit) {
  TempDir d;
  const auto p = d.path / "out.txt";
  std::ofstream(p) << "old";
  {
    OutputFile f(p);
    f.write("new ");
    f.write("content");
    EXPECT_EQ(read(p), "old");  // readers still see the old file
    f.commit();
  }
  EXPECT_EQ(read(p), "new content");
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator()), 1);  // no temp left
}

TEST(OutputFile, WithoutCommitTheOldFileStaysAndNoTempRemains) {
  TempDir d;
  const auto p = d.path / "out.txt";
  std::ofstream(p) << "old";
  {
    OutputFile f(p);
    f.write("half");
  }
  EXPECT_EQ(read(p), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator()), 1);
}

// The bug this guards against: `--json /dev/stdout` as root replaced the symlink with a file.
TEST(OutputFile, WritesThroughASymlinkAndKeepsIt) {
  TempDir d;
  const auto target = d.path / "target.txt", link = d.path / "link.txt";
  std::ofstream(target) << "old";
  fs::create_symlink(target, link);
  write_file_atomic(link, "via link");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_EQ(read(target), "via link");
}

TEST(OutputFile, WritesIntoAFifoWithoutReplacingIt) {
  TempDir d;
  const auto fifo = d.path / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = read(fifo); });
  write_file_atomic(fifo, "through the pipe");
  reader.join();
  EXPECT_EQ(got, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fs::status(fifo)));
}

TEST(OutputFile, DevNullStaysADevice) {
  write_file_atomic("/dev/null", "discarded");
  EXPECT_TRUE(fs::is_character_file(fs::status("/dev/null")));
}

TEST(OutputFile, ErrorsNameThePathAndReason) {
  TempDir d;
  std::ofstream(d.path / "file") << "f";
  try {
    write_file_atomic(d.path / "file" / "x.txt", "z");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write " + (d.path / "file").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Not a directory"), std::string::npos) << e.what();
  }
  try {
    write_file_atomic(d.path, "z");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace autoscale
