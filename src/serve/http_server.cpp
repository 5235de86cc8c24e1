#include "serve/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <cstring>
#include <string>

namespace autoscale::serve {
namespace {

constexpr char kBusy[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 75\r\n"
    "Connection: close\r\nRetry-After: 1\r\n\r\n"
    "{\"error\": \"too many connections: the server's connection bound is reached\"}";
static_assert(sizeof("{\"error\": \"too many connections: the server's connection bound is reached\"}") - 1 == 75);

// Waits until `fd` is ready for `events` or `ms` pass; false on timeout or error.
bool wait_for(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

// A connection as httplib's request parser reads it: buffered both ways. The event loop reads
// what the client sent into the buffer without blocking and hands a request to the parser only
// once it is complete, so the parser (which reads headers a byte at a time) reads from memory; only
// requests whose end cannot be known from their head (chunked, "Expect: 100-continue") make it
// wait on the socket, with the read timeout. Writes are gathered, because httplib writes a
// response's headers and body separately, and one send per response halves the packets and the
// client's wake-ups.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(int fd, int read_ms, int write_ms) : fd_(fd), read_ms_(read_ms), write_ms_(write_ms) {
    address(true, remote_ip_, remote_port_);
    address(false, local_ip_, local_port_);
  }

  int fd() const { return fd_; }
  std::string_view pending() const { return std::string_view(in_).substr(pos_); }
  bool buffered() const { return pos_ < in_.size(); }

  // Takes what the socket holds without waiting; false when the client closed or the socket failed.
  bool pull() {
    compact();
    char chunk[16 * 1024];
    for (;;) {
      const ssize_t r = ::recv(fd_, chunk, sizeof(chunk), MSG_DONTWAIT);
      if (r > 0) {
        in_.append(chunk, static_cast<size_t>(r));
        if (static_cast<size_t>(r) < sizeof(chunk)) return true;
        continue;
      }
      if (r == 0) return false;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
  }

  bool is_readable() const override { return buffered() || wait_for(fd_, POLLIN, read_ms_); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (!out_.empty() && !flush()) return -1;  // e.g. "100 Continue" must go out before the body comes
    if (!buffered()) {
      compact();
      char chunk[4096];
      const ssize_t n = recv_waiting(chunk, sizeof(chunk));
      if (n <= 0) return n;
      in_.append(chunk, static_cast<size_t>(n));
    }
    const size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    if (out_.size() >= 64 * 1024 && !flush()) return -1;
    return static_cast<ssize_t>(size);
  }

  // Sends what write() gathered; false if the client does not take it within the write timeout.
  bool flush() {
    size_t done = 0;
    while (done < out_.size()) {
      const ssize_t n = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        done += static_cast<size_t>(n);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(fd_, POLLOUT, write_ms_)) return false;
      } else if (errno != EINTR) {
        return false;
      }
    }
    out_.clear();
    return true;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return fd_; }

 private:
  void compact() {
    if (pos_ == 0) return;
    in_.erase(0, pos_);
    pos_ = 0;
  }
  // Reads what is there; waits (up to the read timeout) only when nothing is.
  ssize_t recv_waiting(char* p, size_t n) {
    for (;;) {
      const ssize_t r = ::recv(fd_, p, n, MSG_DONTWAIT);
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!wait_for(fd_, POLLIN, read_ms_)) return -1;
    }
  }
  void address(bool peer, std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof(a);
    const int r = peer ? ::getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len)
                       : ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    ip.clear();
    port = 0;
    if (r != 0) return;
    char text[INET6_ADDRSTRLEN] = {0};
    if (a.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      port = ntohs(in->sin_port);
    } else if (a.ss_family == AF_INET6) {
      const auto* in = reinterpret_cast<const sockaddr_in6*>(&a);
      ::inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof(text));
      port = ntohs(in->sin6_port);
    }
    ip = text;
  }

  int fd_, read_ms_, write_ms_;
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;
  std::string in_;
  size_t pos_ = 0;
  std::string out_;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

}  // namespace

bool request_is_complete(std::string_view pending, std::size_t max_body) {
  constexpr std::size_t kMaxHead = 8192;  // httplib's own limit: longer heads are its to reject
  std::size_t head_end = pending.find("\r\n\r\n");
  std::size_t sep = 4;
  if (const auto lf = pending.find("\n\n"); lf != std::string_view::npos && (head_end == std::string_view::npos || lf < head_end)) {
    head_end = lf;
    sep = 2;
  }
  if (head_end == std::string_view::npos) return pending.size() > kMaxHead;
  const std::string_view head = pending.substr(0, head_end);
  std::optional<std::size_t> length;
  for (std::size_t at = head.find('\n'); at != std::string_view::npos;) {
    const std::size_t next = head.find('\n', at + 1);
    const std::string_view line = head.substr(at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1);
    at = next;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon), value = trim_ows(line.substr(colon + 1));
    // The parser reads these bodies itself, waiting on the socket: their end is not in the head.
    if (iequals(name, "transfer-encoding") || iequals(name, "expect")) return true;
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size()) return true;  // malformed: httplib answers
      length = n;
    }
  }
  if (!length || *length > max_body) return true;  // no body, or one httplib refuses (413) unread
  return pending.size() - head_end - sep >= *length;
}

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

// One thread with its own epoll set of connections. It reads whatever arrives, serves every
// complete request in order (pipelined ones too) on the thread itself, and closes connections
// that idle past the keep-alive time or stall mid-request past the read timeout. A busy loop
// finds several connections ready per wake-up, which is what makes it cheaper than a thread per
// connection (measured in bench/serve_bench.sh).
class BoundedHttpServer::Loop {
 public:
  explicit Loop(BoundedHttpServer& server) : server_(server) {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ep_ < 0 || wake_ < 0) throw std::runtime_error("serve: cannot create an epoll set");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, wake_, &ev);
    thread_ = std::thread([this] { run(); });
  }
  ~Loop() {
    finish();
    if (thread_.joinable()) thread_.join();
    ::close(ep_);
    ::close(wake_);
  }

  int connections() const { return count_.load(); }

  void adopt(int fd) {
    ++count_;
    {
      std::lock_guard lock(mu_);
      incoming_.push_back(fd);
    }
    poke();
  }

  // Serves what is in progress, then returns once no connection is left.
  void finish() {
    done_ = true;
    poke();
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  struct Conn {
    ConnStream stream;
    int served = 0;
    Clock::time_point last;  // last bytes received or answer sent
  };

  void poke() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t r = ::write(wake_, &one, sizeof(one));
  }

  void run() {
    const auto& l = server_.limits_;
    epoll_event events[64];
    for (;;) {
      const int n = ::epoll_wait(ep_, events, 64, 100);
      const auto now = Clock::now();
      for (int i = 0; i < n; ++i) {
        if (events[i].data.fd == wake_) {
          take_incoming(now);
          continue;
        }
        const auto it = conns_.find(events[i].data.fd);
        if (it != conns_.end()) serve(it, now);
      }
      const bool stopping = server_.stopping_ || done_;
      if (stopping || now - last_sweep_ >= std::chrono::milliseconds(100)) {
        last_sweep_ = now;
        for (auto it = conns_.begin(); it != conns_.end();) {
          const auto idle = now - it->second->last;
          const bool waiting = it->second->stream.buffered();
          const bool expired = waiting ? idle >= std::chrono::seconds(l.read_timeout_seconds)
                                       : (stopping || idle >= std::chrono::seconds(l.keep_alive_seconds));
          it = expired ? close(it) : std::next(it);
        }
      }
      if (done_ && conns_.empty()) {
        std::lock_guard lock(mu_);
        if (incoming_.empty()) return;
      }
    }
  }

  void take_incoming(Clock::time_point now) {
    std::uint64_t v;
    [[maybe_unused]] const ssize_t r = ::read(wake_, &v, sizeof(v));
    std::vector<int> fds;
    {
      std::lock_guard lock(mu_);
      fds.swap(incoming_);
    }
    const auto& l = server_.limits_;
    for (const int fd : fds) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      auto c = std::unique_ptr<Conn>(new Conn{ConnStream(fd, l.read_timeout_seconds * 1000, l.write_timeout_seconds * 1000), 0, now});
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = fd;
      if (::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ::close(fd);
        --count_;
        continue;
      }
      auto [it, _] = conns_.emplace(fd, std::move(c));
      serve(it, now);  // a client may have sent its request before we watched the socket
    }
  }

  using Conns = std::unordered_map<int, std::unique_ptr<Conn>>;

  void serve(Conns::iterator it, Clock::time_point now) {
    Conn& c = *it->second;
    const bool open = c.stream.pull();
    if (c.stream.buffered()) c.last = now;
    const auto& l = server_.limits_;
    while (request_is_complete(c.stream.pending(), server_.max_body_)) {
      const bool last = ++c.served >= l.keep_alive_max || server_.stopping_;
      bool closed = false;
      const bool ok = server_.process_request(c.stream, last, closed, nullptr);
      const bool sent = c.stream.flush();
      c.last = Clock::now();
      if (!ok || !sent || closed || last) {
        close(it);
        return;
      }
      if (!c.stream.buffered()) break;
    }
    if (!open) close(it);
  }

  Conns::iterator close(Conns::iterator it) {
    const int fd = it->first;
    ::epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    --count_;
    return conns_.erase(it);
  }

  BoundedHttpServer& server_;
  int ep_ = -1, wake_ = -1;
  std::atomic<bool> done_{false};
  std::atomic<int> count_{0};
  std::mutex mu_;
  std::vector<int> incoming_;
  Conns conns_;
  Clock::time_point last_sweep_{};
  std::thread thread_;
};


// httplib's accept loop hands each accepted socket to a task queue; ours passes it, on the
// accepting thread, to process_and_close_socket, which sheds it or gives it to the event loop
// with the fewest connections. Shutting the queue down lets every loop finish its work.
class BoundedHttpServer::Loops final : public httplib::TaskQueue {
 public:
  explicit Loops(BoundedHttpServer& server) {
    for (int i = 0; i < std::max(1, server.limits_.threads); ++i) loops_.push_back(std::make_unique<Loop>(server));
  }
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {
    for (auto& l : loops_) l->finish();
    for (auto& l : loops_) l->join();
  }
  int connections() const {
    int n = 0;
    for (const auto& l : loops_) n += l->connections();
    return n;
  }
  Loop& least_busy() {
    Loop* best = loops_.front().get();
    for (const auto& l : loops_) {
      if (l->connections() < best->connections()) best = l.get();
    }
    return *best;
  }

 private:
  std::vector<std::unique_ptr<Loop>> loops_;
};

BoundedHttpServer::BoundedHttpServer(ConnectionLimits limits) : limits_(limits) {
  new_task_queue = [this] {
    auto* loops = new Loops(*this);
    loops_ = loops;
    return loops;
  };
  set_tcp_nodelay(true);
  set_read_timeout(limits_.read_timeout_seconds);
  set_write_timeout(limits_.write_timeout_seconds);
}

BoundedHttpServer::~BoundedHttpServer() = default;

void BoundedHttpServer::set_max_body(std::size_t bytes) {
  max_body_ = bytes;
  set_payload_max_length(bytes);
}

void BoundedHttpServer::stop_gracefully() {
  stopping_ = true;
  stop();
}

bool BoundedHttpServer::process_and_close_socket(socket_t sock) {
  if (loops_ == nullptr || stopping_ || loops_->connections() >= std::max(1, limits_.max_connections)) {
    // Never read: the accepting thread must not wait on this client.
    if (on_shed_) on_shed_();
    (void)::send(sock, kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return true;
  }
  loops_->least_busy().adopt(sock);
  return true;
}

}  // namespace autoscale::serve
