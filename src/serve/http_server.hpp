#pragma once
// Includes httplib.h, whose system headers define the macro `_res` (resolv.h), which breaks
// Eigen's headers if they come later in the same file: include this after any Eigen user.
#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <string_view>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "serve/connection_limits.hpp"

namespace autoscale::serve {

// Whether `pending` (bytes received on a connection, from the start of a request) holds a whole
// request, or at least all that must arrive before httplib's parser can take it without waiting:
// a head and the Content-Length bytes of its body. Chunked bodies, "Expect: 100-continue", heads
// past httplib's limit and bodies past `max_body` (answered 413 unread) count as complete.
bool request_is_complete(std::string_view pending, std::size_t max_body);

// cpp-httplib's server with the connection handling an operator can rely on:
// - `threads` event loops (epoll), each serving many connections; requests are parsed and routed
//   by httplib (process_request) once complete, on the loop's thread;
// - at most `max_connections` open connections: past that, a connection is answered 503 and
//   closed at once, from the accepting thread, without reading it;
// - keep-alive: up to `keep_alive_max` requests per connection, an idle connection closed after
//   `keep_alive_seconds`, a request stalled longer than `read_timeout_seconds` cut off, every idle
//   connection closed promptly once stop() is called;
// - graceful stop: stop() stops accepting, lets every request being received or processed finish
//   and be answered, then returns from listen_after_bind().
class BoundedHttpServer : public httplib::Server {
 public:
  explicit BoundedHttpServer(ConnectionLimits limits);
  ~BoundedHttpServer() override;
  // Called (from the accepting thread) for each connection refused at the bound.
  void on_shed(std::function<void()> f) { on_shed_ = std::move(f); }
  // The largest request body taken (larger: 413).
  void set_max_body(std::size_t bytes);
  // Stops accepting and closes idle connections; requests in progress finish. Thread-safe.
  void stop_gracefully();

 private:
  class Loop;
  class Loops;
  bool process_and_close_socket(socket_t sock) override;

  ConnectionLimits limits_;
  std::function<void()> on_shed_;
  std::atomic<bool> stopping_{false};
  std::size_t max_body_ = 1 << 20;
  Loops* loops_ = nullptr;  // owned by httplib's listen loop while it runs
};

}  // namespace autoscale::serve
