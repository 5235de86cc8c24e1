#include "serve/http_server.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/error.hpp"

namespace autoscale::serve {
namespace {

constexpr char kBusy[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 75\r\n"
    "Connection: close\r\nRetry-After: 1\r\n\r\n"
    "{\"error\": \"too many connections: the server's connection bound is reached\"}";
static_assert(sizeof("{\"error\": \"too many connections: the server's connection bound is reached\"}") - 1 == 75);

std::string address_text(const sockaddr* a) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (a == nullptr) return {};
  if (a->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a)->sin_addr, text, sizeof(text));
  } else if (a->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr, text, sizeof(text));
  }
  return text;
}

}  // namespace

std::string HttpRequest::header(const char* name) const {
  const char* v = connection_ ? MHD_lookup_connection_value(connection_, MHD_HEADER_KIND, name) : nullptr;
  return v ? v : "";
}

std::optional<std::string> HttpRequest::param(const char* name) const {
  const char* v = connection_ ? MHD_lookup_connection_value(connection_, MHD_GET_ARGUMENT_KIND, name) : nullptr;
  if (!v) return std::nullopt;
  return std::string(v);
}

// What a connection keeps between its requests.
struct HttpServer::ConnectionState {
  std::string remote;
  int served = 0;
};

struct MhdCallbacks {
  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                               const char* data, size_t* size, void** request_state) {
    auto& self = *static_cast<HttpServer*>(cls);
    auto* p = static_cast<HttpRequest*>(*request_state);  // from the head's arrival to the answer
    if (p == nullptr) {  // the head has arrived
      p = new HttpRequest;
      *request_state = p;
      ++self.in_flight_;
      p->method = method;
      p->path = url;
      p->connection_ = c;
      MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, static_cast<unsigned>(self.limits_.read_timeout_seconds));
      if (const char* len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        std::size_t n = 0;
        const auto end = len + std::strlen(len);
        if (std::from_chars(len, end, n).ec == std::errc() && n > self.max_body_) {
          p->body_too_large = true;
          return self.answer(c, *p) == MHD_YES ? MHD_YES : MHD_NO;  // refused unread
        }
      }
      return MHD_YES;
    }
    if (*size > 0) {
      if (!p->body_too_large && p->body.size() + *size > self.max_body_) {
        p->body_too_large = true;  // a chunked body past the limit: read to its end, then refused
        p->body.clear();
        p->body.shrink_to_fit();
      }
      if (!p->body_too_large) p->body.append(data, *size);
      *size = 0;
      return MHD_YES;
    }
    return self.answer(c, *p) == MHD_YES ? MHD_YES : MHD_NO;
  }

  static void on_completed(void* cls, MHD_Connection* c, void** request_state, MHD_RequestTerminationCode) {
    auto& self = *static_cast<HttpServer*>(cls);
    if (auto* p = static_cast<HttpRequest*>(*request_state)) {
      delete p;
      *request_state = nullptr;
      --self.in_flight_;
      MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, static_cast<unsigned>(self.limits_.keep_alive_seconds));
    }
  }

  static void on_connection(void* cls, MHD_Connection* c, void** socket_state, MHD_ConnectionNotificationCode event) {
    auto& self = *static_cast<HttpServer*>(cls);
    if (event == MHD_CONNECTION_NOTIFY_STARTED) {
      auto* s = new HttpServer::ConnectionState;
      if (const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) s->remote = address_text(info->client_addr);
      *socket_state = s;
    } else {
      delete static_cast<HttpServer::ConnectionState*>(*socket_state);
      *socket_state = nullptr;
      --self.open_;
    }
  }
};

HttpServer::HttpServer(ConnectionLimits limits, std::size_t max_body, Handler handler)
    : limits_(limits), max_body_(max_body), handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
  if (daemon_) MHD_stop_daemon(daemon_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

int HttpServer::answer(MHD_Connection* c, HttpRequest& req) {
  const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  auto* conn = info ? static_cast<ConnectionState*>(info->socket_context) : nullptr;
  req.remote_addr = conn ? conn->remote : "";
  HttpResponse r;
  try {
    r = handler_(req);
  } catch (...) {  // the handler answers its own errors; nothing may unwind into libmicrohttpd's C
    r = {500, "{\"error\":\"internal error\"}\n", "application/json", {}};
  }
  MHD_Response* res = MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
  if (!res) return MHD_NO;
  MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
  for (const auto& [k, v] : r.headers) MHD_add_response_header(res, k.c_str(), v.c_str());
  const bool last = (conn && ++conn->served >= limits_.keep_alive_max) || stopping_ || req.body_too_large;
  if (last) MHD_add_response_header(res, MHD_HTTP_HEADER_CONNECTION, "close");
  MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, static_cast<unsigned>(limits_.write_timeout_seconds));
  const MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), res);
  MHD_destroy_response(res);
  return ok;
}

int HttpServer::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int e = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); e != 0) {
    throw Error(fmt::format("cannot bind {}:{}: {}", host, port, ::gai_strerror(e)));
  }
  std::string why = "no address";
  for (addrinfo* a = found; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
    } else {
      why = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) throw Error(fmt::format("cannot bind {}:{}: {} (in use, or not an address of this machine?)", host, port, why));
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  const int actual = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                 : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_USE_TURBO;
  const unsigned threads = static_cast<unsigned>(std::max(1, limits_.threads));
  daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, reinterpret_cast<MHD_AccessHandlerCallback>(&MhdCallbacks::on_request), this,
      MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(limits_.keep_alive_seconds),
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(limits_.max_connections) + 64u,
      MHD_OPTION_NOTIFY_COMPLETED, &MhdCallbacks::on_completed, this,
      MHD_OPTION_NOTIFY_CONNECTION, &MhdCallbacks::on_connection, this,
      MHD_OPTION_END);
  if (!daemon_) throw Error("cannot start the HTTP server (libmicrohttpd refused its options)");
  return actual;
}

void HttpServer::shed(int fd) {
  if (on_shed_) on_shed_();
  // Never read: the accepting thread must not wait on this client.
  (void)::send(fd, kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

void HttpServer::run() {
  if (listen_fd_ < 0 || !daemon_) throw Error("HttpServer::run before bind");
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;  // wakes to notice stop()
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (open_.load() >= std::max(1, limits_.max_connections)) {
      shed(fd);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ++open_;
    if (MHD_add_connection(daemon_, fd, reinterpret_cast<sockaddr*>(&peer), len) != MHD_YES) --open_;  // MHD closed it
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
  // Requests whose head has arrived are answered; past both timeouts a stalled one is given up.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(limits_.read_timeout_seconds + limits_.write_timeout_seconds);
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
}

void HttpServer::stop() { stopping_ = true; }

}  // namespace autoscale::serve
