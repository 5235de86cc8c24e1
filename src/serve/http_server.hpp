#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "serve/connection_limits.hpp"
#include "serve/http_request.hpp"

struct MHD_Daemon;

namespace autoscale::serve {

// HTTP/1.1 on GNU libmicrohttpd (Debian's libmicrohttpd-dev): `threads` epoll event loops, each
// serving many connections, with the connection handling an operator can rely on:
// - our own accepting thread (a listen backlog of SOMAXCONN) counts open connections: past
//   `max_connections` a connection is answered 503 at once and closed, without being read;
// - keep-alive: up to `keep_alive_max` requests per connection; a connection that sends nothing
//   for `keep_alive_seconds` is closed (also one stalled in a request's head); once a request's
//   head has arrived, the rest must come within `read_timeout_seconds` and the client must take
//   the answer within `write_timeout_seconds` of silence;
// - bodies larger than `max_body` are answered 413 (at once when Content-Length says so);
// - graceful stop: stop() stops accepting, lets every request whose head has arrived finish and
//   be answered (with "Connection: close"), then closes the idle connections and returns from run().
// Chosen over cpp-httplib by measurement (bench/serve_bench.sh; the numbers are in docs/performance.md, "Serving").
class HttpServer {
 public:
  // Answers every request (one over the body limit comes with body_too_large set); runs on the
  // event loops' threads.
  using Handler = std::function<HttpResponse(HttpRequest&)>;

  HttpServer(ConnectionLimits limits, std::size_t max_body, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Called (from the accepting thread) for each connection refused at the bound.
  void on_shed(std::function<void()> f) { on_shed_ = std::move(f); }

  // Binds host:port (0 = any free port) and returns the port; throws Error.
  int bind(const std::string& host, int port);
  // Serves until stop(); returns once the requests in progress are answered.
  void run();
  // Thread-safe; run() returns soon after.
  void stop();

 private:
  struct ConnectionState;
  friend struct MhdCallbacks;
  // Runs the handler (or refuses) and queues the answer; MHD_YES or MHD_NO.
  int answer(MHD_Connection* c, HttpRequest& req);
  void shed(int fd);

  ConnectionLimits limits_;
  std::size_t max_body_;
  Handler handler_;
  std::function<void()> on_shed_;
  int listen_fd_ = -1;
  MHD_Daemon* daemon_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_{0};       // connections accepted and not yet closed
  std::atomic<int> in_flight_{0};  // requests whose head has arrived and that are not yet answered
};

}  // namespace autoscale::serve
