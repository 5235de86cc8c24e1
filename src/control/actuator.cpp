#include "control/actuator.hpp"
#include "control/kubernetes_actuator.hpp"
#include "http/transport_error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/strings.hpp"

extern char** environ;

namespace autoscale::control {
namespace {

std::string system_reason() { return std::strerror(errno); }

// The end of a command's output on one line, for an error message.
std::string tail_line(const std::string& s, std::size_t max = 400) {
  std::string t(trim(s.size() > max ? std::string_view(s).substr(s.size() - max) : std::string_view(s)));
  for (char& c : t)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return t;
}

}  // namespace

std::string actuation_json(const Actuation& a) {
  return nlohmann::json{{"service", a.service}, {"minute", a.minute}, {"timestamp", a.timestamp}, {"desired", a.desired},
                        {"add", a.add},         {"remove", a.remove}, {"enforced", a.enforced}}
      .dump();
}

// ---- file ---------------------------------------------------------------------------------------

FileActuator::FileActuator(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(fmt::format("--actuate file:{}: cannot open for appending: {}", path_, system_reason()));
}

FileActuator::~FileActuator() {
  if (fd_ >= 0) ::close(fd_);
}

void FileActuator::append(const Actuation& a) {
  const std::string line = actuation_json(a) + "\n";
  // One write(2) on an O_APPEND descriptor: a reader never sees half a line from us.
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    throw ActuationError(fmt::format("{}: writing the decision failed: {}", path_, n < 0 ? system_reason() : "short write"));
  }
  if (::fdatasync(fd_) != 0) throw ActuationError(fmt::format("{}: fdatasync failed: {}", path_, system_reason()));
}

// ---- command ------------------------------------------------------------------------------------

CommandActuator::CommandActuator(std::string command, std::chrono::milliseconds timeout)
    : command_(std::move(command)), timeout_(timeout) {
  if (trim(command_).empty()) throw Error("--actuate command: needs a command (command:CMD)");
}

void CommandActuator::apply(const Actuation& a) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = {"/bin/sh", "-c", command_, "autoscale-control", std::to_string(a.desired),
                                   std::to_string(a.minute), std::to_string(a.timestamp)};
  std::vector<std::string> env_own = {"AUTOSCALE_SERVICE=" + a.service,
                                      "AUTOSCALE_DESIRED=" + std::to_string(a.desired),
                                      "AUTOSCALE_MINUTE=" + std::to_string(a.minute),
                                      "AUTOSCALE_TIMESTAMP=" + std::to_string(a.timestamp),
                                      "AUTOSCALE_ADD=" + std::to_string(a.add),
                                      "AUTOSCALE_REMOVE=" + std::to_string(a.remove)};
  std::vector<char*> argv, envp;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "AUTOSCALE_", 10) != 0) envp.push_back(*e);  // ours replace any inherited ones
  }
  for (auto& s : env_own) envp.push_back(s.data());
  envp.push_back(nullptr);

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) throw ActuationError("command actuator: pipe failed: " + system_reason());
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    throw ActuationError("command actuator: fork failed: " + system_reason());
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // its own process group, so a timeout kills whatever it started too
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execve("/bin/sh", argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::string output;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{pipefd[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the command (and whatever it started) closed its output
    output.append(buf, static_cast<std::size_t>(n));
    if (output.size() > 64 * 1024) output.erase(0, output.size() - 16 * 1024);
  }
  ::close(pipefd[0]);
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    throw ActuationError(fmt::format("command '{}' ran longer than {} ms and was killed; its output: {}", command_,
                                     timeout_.count(), tail_line(output)));
  }
  if (WIFSIGNALED(status)) {
    throw ActuationError(fmt::format("command '{}' was killed by signal {}; its output: {}", command_, WTERMSIG(status),
                                     tail_line(output)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw ActuationError(fmt::format("command '{}' exited with status {}; its output: {}", command_,
                                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, tail_line(output)));
  }
}

// ---- webhook ------------------------------------------------------------------------------------

WebhookActuator::WebhookActuator(std::string url, WebhookOptions options) : url_(std::move(url)), o_(std::move(options)) {
  static const std::regex kUrl(R"(^(https?://[^/?#]+)(/[^#]*)?$)", std::regex::icase);
  std::smatch m;
  if (!std::regex_match(url_, m, kUrl)) {
    throw Error("--actuate webhook: expected http://HOST[:PORT]/PATH or https://..., got '" + url_ + "'");
  }
  scheme_host_port_ = m[1].str();
  path_ = m[2].matched && !m[2].str().empty() ? m[2].str() : "/";
}

void WebhookActuator::apply(const Actuation& a) {
  httplib::Client client(scheme_host_port_);
  if (!client.is_valid()) throw ActuationError("webhook: cannot make a client for '" + url_ + "'");
  const auto secs = std::chrono::duration_cast<std::chrono::microseconds>(o_.timeout);
  client.set_connection_timeout(secs);
  client.set_read_timeout(secs);
  client.set_write_timeout(secs);
  httplib::Headers headers;
  for (const auto& [k, v] : o_.headers) headers.emplace(k, v);
  const std::string body = actuation_json(a);
  auto backoff = o_.first_backoff;
  const int tries = std::max(1, o_.tries);
  std::string last;
  for (int attempt = 1; attempt <= tries; ++attempt) {
    const httplib::Result r = client.Post(path_, headers, body, "application/json");
    if (!r) {
      last = "connection error: " + http::transport_error_text(r.error());
    } else if (r->status >= 200 && r->status < 300) {
      return;
    } else if (r->status >= 500) {
      last = fmt::format("HTTP {}: {}", r->status, tail_line(r->body, 200));
    } else {
      throw ActuationError(fmt::format("webhook POST {}: HTTP {}: {}", url_, r->status, tail_line(r->body, 200)));
    }
    if (attempt < tries) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  throw ActuationError(fmt::format("webhook POST {}: {} (gave up after {} {})", url_, last, tries, tries == 1 ? "try" : "tries"));
}

// ---- factory ------------------------------------------------------------------------------------

void check_actuator_spec(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon), arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind != "file" && kind != "command" && kind != "webhook" && kind != "kubernetes") {
    throw Error(fmt::format("--actuate '{}': expected file:PATH, command:CMD, webhook:URL or kubernetes:[NAMESPACE/]KIND/NAME",
                            spec));
  }
  if (arg.empty()) {
    throw Error(fmt::format("--actuate {}: needs an argument ({}:{})", kind, kind,
                            kind == "file"      ? "PATH"
                            : kind == "command" ? "CMD"
                            : kind == "webhook" ? "URL"
                                                : "[NAMESPACE/]KIND/NAME"));
  }
}

std::unique_ptr<Actuator> make_actuator(const std::string& spec, const ActuatorOptions& options) {
  check_actuator_spec(spec);
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon), arg = spec.substr(colon + 1);
  if (kind == "file") return std::make_unique<FileActuator>(arg);
  if (kind == "command") return std::make_unique<CommandActuator>(arg, options.command_timeout);
  if (kind == "webhook") return std::make_unique<WebhookActuator>(arg, options.webhook);
  return std::make_unique<KubernetesActuator>(arg, kubernetes::ConnectionOptions{options.kubeconfig, options.kube_context, {}});
}

}  // namespace autoscale::control
