#include "serve/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace autoscale::serve {
namespace {

// Set on the accepting thread while it refuses a connection at the bound.
thread_local bool t_shed = false;

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

// A connection as httplib's request parser reads it: buffered both ways, with read and write
// timeouts. Reads are buffered because the parser reads headers a byte at a time and the bytes of a
// pipelined next request must survive until it is parsed; writes because httplib writes a
// response's headers and body separately, and one send per response (3 system calls a request:
// poll, recv, send) instead of two halves the packets and the client's wake-ups.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(int fd, int read_ms, int write_ms) : fd_(fd), read_ms_(read_ms), write_ms_(write_ms) {
    address(true, remote_ip_, remote_port_);
    address(false, local_ip_, local_port_);
  }

  bool buffered() const { return pos_ < len_; }
  bool is_readable() const override { return buffered() || wait_for(fd_, POLLIN, read_ms_); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (!out_.empty() && !flush()) return -1;  // e.g. "100 Continue" must go out before the body comes
    if (!buffered()) {
      if (size >= sizeof(buf_)) return recv_some(ptr, size);
      const ssize_t n = recv_some(buf_, sizeof(buf_));
      if (n <= 0) return n;
      pos_ = 0;
      len_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buf_ + pos_, n);
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
  // Reads what is there; waits (up to the read timeout) only when nothing is.
  ssize_t recv_some(char* p, size_t n) {
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
  char buf_[4096];
  size_t pos_ = 0, len_ = 0;
  std::string out_;
};

}  // namespace

// Worker threads and a queue of accepted connections, bounded as a whole.
class BoundedHttpServer::Pool final : public httplib::TaskQueue {
 public:
  Pool(int threads, int max_connections, std::function<void()> on_shed)
      : max_(static_cast<std::size_t>(std::max(max_connections, threads))), on_shed_(std::move(on_shed)) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::unique_lock lock(mu_);
      if (busy_ + jobs_.size() < max_) {
        jobs_.push_back(std::move(fn));
        cv_.notify_one();
        return;
      }
    }
    // At the bound: the job runs here, and process_and_close_socket refuses it at once.
    if (on_shed_) on_shed_();
    t_shed = true;
    fn();
    t_shed = false;
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // shutting down, nothing left
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        ++busy_;
      }
      fn();
      std::lock_guard lock(mu_);
      --busy_;
    }
  }

  std::size_t max_;
  std::function<void()> on_shed_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t busy_ = 0;
  bool shutdown_ = false;
  std::vector<std::thread> workers_;
};

BoundedHttpServer::BoundedHttpServer(ConnectionLimits limits) : limits_(limits) {
  new_task_queue = [this] { return new Pool(limits_.threads, limits_.max_connections, [this] { if (on_shed_) on_shed_(); }); };
  set_tcp_nodelay(true);
  set_read_timeout(limits_.read_timeout_seconds);
  set_write_timeout(limits_.write_timeout_seconds);
}

void BoundedHttpServer::stop_gracefully() {
  stopping_ = true;
  stop();
}

bool BoundedHttpServer::process_and_close_socket(socket_t sock) {
  if (t_shed) {
    // Never read: the accepting thread must not wait on this client.
    (void)::send(sock, kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return true;
  }
  int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ConnStream strm(sock, limits_.read_timeout_seconds * 1000, limits_.write_timeout_seconds * 1000);
  bool ok = true;
  for (int left = limits_.keep_alive_max; left > 0; --left) {
    // Wait for the next request in slices, so a stop closes idle connections promptly.
    bool ready = strm.buffered();
    for (int waited = 0; !ready && !stopping_ && waited < limits_.keep_alive_seconds * 1000; waited += 100) {
      ready = wait_for(sock, POLLIN, 100);
    }
    if (!ready) break;
    bool closed = false;
    ok = process_request(strm, left == 1 || stopping_, closed, nullptr);
    if (!strm.flush()) ok = false;
    if (!ok || closed || stopping_) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace autoscale::serve
