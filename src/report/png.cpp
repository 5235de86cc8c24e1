#include "report/png.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

extern char** environ;

namespace autoscale::report {
namespace {

struct Run {
  int status = -1;
  std::string out;
};

// Runs argv without a shell; stdout captured, stderr (Chromium's chatter) discarded.
Run run_capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) throw Error("render PNGs: cannot create a pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  Run r;
  if (rc != 0) {
    ::close(fds[0]);
    throw Error(fmt::format("render PNGs: cannot start {}: {} (install Debian's chromium, or pass --chromium)", argv[0],
                            std::strerror(rc)));
  }
  char buf[65536];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) r.out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, &r.status, 0);
  return r;
}

std::filesystem::path chromium_path(const PngOptions& o) {
  if (!o.chromium.empty()) return o.chromium;
  if (const char* env = std::getenv("AUTOSCALE_CHROMIUM"); env && *env) return env;
  return "/usr/bin/chromium";
}

// The flags that make Chromium start quickly and quietly on a machine without a network, as root,
// with a profile of its own; virtual time lets the page's asynchronous decoding finish first.
std::vector<std::string> base_args(const std::filesystem::path& chromium, const std::filesystem::path& profile, int w, int h) {
  return {chromium.string(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--hide-scrollbars",
          fmt::format("--user-data-dir={}", profile.string()), fmt::format("--window-size={},{}", w, h), "--virtual-time-budget=20000",
          "--timeout=60000"};
}

}  // namespace

std::vector<std::filesystem::path> render_pngs(const std::filesystem::path& report_html, const std::filesystem::path& dir,
                                               const PngOptions& o) {
  const auto chromium = chromium_path(o);
  const auto page = std::filesystem::absolute(report_html);
  if (!std::filesystem::is_regular_file(page)) throw Error(fmt::format("render PNGs: {} is not a report file", page.string()));
  std::filesystem::create_directories(dir);
  const auto profile = std::filesystem::temp_directory_path() / fmt::format("autoscale-chromium-{}-{}", ::getpid(), std::random_device{}());
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(p, ec);
    }
  } cleanup{profile};

  // Pass 1: the page in measuring mode lays out every figure alone and records their heights.
  auto args = base_args(chromium, profile, o.width, 900);
  args.push_back("--dump-dom");
  args.push_back(fmt::format("file://{}#png=measure", page.string()));
  const Run m = run_capture(args);
  if (m.status != 0) throw Error(fmt::format("render PNGs: {} failed (status {}) measuring {}", chromium.string(), m.status, page.string()));
  static const std::regex kSizes(R"(data-figure-heights="([^"]*)\")");
  std::smatch match;
  if (!std::regex_search(m.out, match, kSizes)) {
    throw Error(fmt::format("render PNGs: the page did not finish drawing in {} (no figure heights)", chromium.string()));
  }
  // --dump-dom writes the attribute with its quotes as &quot;
  std::string json;
  const std::string attr = match[1].str();
  for (std::size_t i = 0; i < attr.size(); ++i) {
    if (attr.compare(i, 6, "&quot;") == 0) {
      json.push_back('"');
      i += 5;
    } else {
      json.push_back(attr[i]);
    }
  }
  const auto heights = nlohmann::json::parse(json);

  // Pass 2: one screenshot per figure, the window as tall as the figure.
  std::vector<std::filesystem::path> written;
  for (const auto& [id, h] : heights.items()) {
    std::string name = id;
    for (char& c : name) {
      if (c == ':' || c == '/') c = '-';
    }
    const auto file = dir / fmt::format("{}.png", name);
    const auto tmp = dir / fmt::format("{}.tmp.png", name);
    auto shot = base_args(chromium, profile, o.width, std::max(100, h.get<int>()));
    shot.push_back(fmt::format("--screenshot={}", tmp.string()));
    std::string url = fmt::format("file://{}#png={}", page.string(), id);
    if (o.window) url += fmt::format("&from={}&to={}", o.window->first, o.window->second);
    shot.push_back(url);
    const Run r = run_capture(shot);
    if (r.status != 0 || !std::filesystem::exists(tmp)) {
      throw Error(fmt::format("render PNGs: {} failed (status {}) drawing figure '{}'", chromium.string(), r.status, id));
    }
    std::filesystem::rename(tmp, file);
    written.push_back(file);
  }
  return written;
}

}  // namespace autoscale::report
