#include "serve/state_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "rl/agent.hpp"
#include "serve/http_error.hpp"
#include "serve/text_file.hpp"

namespace autoscale::serve {
namespace {

std::string log_line(const MetricsReport& r) {
  const std::string body = r.to_json().dump();
  return body + "\t" + rl::fnv1a64_hex(body) + "\n";
}

}  // namespace

bool valid_service_id(const std::string& id) {
  if (id.empty() || id.size() > 64 || id[0] == '.') return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

StateStore::StateStore(std::filesystem::path dir, bool fsync) : dir_(std::move(dir)), fsync_(fsync) {
  std::error_code ec;
  std::filesystem::create_directories(dir_ / "services", ec);
  if (ec) throw Error(fmt::format("cannot create state directory {}: {}", (dir_ / "services").string(), ec.message()));
}

std::vector<StateStore::Service> StateStore::load_all(int warmup_latency) const {
  std::vector<Service> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "services")) {
    if (!entry.is_directory()) continue;
    Service s;
    s.id = entry.path().filename().string();
    if (!valid_service_id(s.id)) continue;
    const auto config_path = entry.path() / "config.json";
    if (!std::filesystem::exists(config_path)) continue;  // created but never configured: nothing to keep
    try {
      s.config = parse_service_config(nlohmann::json::parse(read_text_file(config_path, "service config")), ServiceConfig{});
    } catch (const std::exception& e) {
      throw Error(fmt::format("{}: {}", config_path.string(), e.what()));
    }
    const auto log_path = entry.path() / "minutes.log";
    if (std::filesystem::exists(log_path)) {
      const std::string text = read_text_file(log_path, "state log");
      std::size_t pos = 0, line_no = 0, good_bytes = 0;
      while (pos < text.size()) {
        ++line_no;
        const auto nl = text.find('\n', pos);
        const bool last = nl == std::string::npos || nl + 1 == text.size();
        const std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        const auto tab = line.rfind('\t');
        bool ok = nl != std::string::npos && tab != std::string::npos &&
                  rl::fnv1a64_hex(line.substr(0, tab)) == line.substr(tab + 1);
        if (ok) {
          try {
            s.reports.push_back(parse_metrics_report(nlohmann::json::parse(line.substr(0, tab)), warmup_latency));
          } catch (const std::exception&) {
            ok = false;
          }
        }
        if (!ok) {
          if (!last) throw Error(fmt::format("{}:{}: corrupt state line", log_path.string(), line_no));
          // Torn by a crash before its decision was answered: drop it.
          std::filesystem::resize_file(log_path, good_bytes);
          break;
        }
        pos = nl + 1;
        good_bytes = pos;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

void StateStore::save_config(const std::string& id, const ServiceConfig& config) const {
  std::filesystem::create_directories(service_dir(id));
  write_file_atomic(service_dir(id) / "config.json", config.to_json().dump() + "\n");
}

void StateStore::append(const std::string& id, const MetricsReport& report) const {
  const auto path = service_dir(id) / "minutes.log";
  const std::string line = log_line(report);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  const off_t before = ::lseek(fd, 0, SEEK_END);
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  const bool synced = n == static_cast<ssize_t>(line.size()) && (!fsync_ || ::fdatasync(fd) == 0);
  if (!synced && before >= 0 && ::ftruncate(fd, before) != 0) {
    // The torn line stays; the next load drops it only if it is the last one, so say so loudly.
    ::close(fd);
    throw Error(fmt::format("cannot append to {} nor undo a partial append", path.string()));
  }
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    throw Error(fmt::format("cannot append to {}: {}", path.string(), n < 0 ? std::strerror(write_errno) : "short write"));
  }
  if (!synced) throw Error(fmt::format("cannot sync {}", path.string()));
}

void StateStore::rewrite(const std::string& id, const std::vector<MetricsReport>& reports) const {
  std::string text;
  for (const auto& r : reports) text += log_line(r);
  write_file_atomic(service_dir(id) / "minutes.log", text);
}

void StateStore::remove(const std::string& id) const {
  std::error_code ec;
  std::filesystem::remove_all(service_dir(id), ec);
  if (ec) throw Error(fmt::format("cannot remove {}: {}", service_dir(id).string(), ec.message()));
}

}  // namespace autoscale::serve
