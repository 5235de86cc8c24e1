#pragma once
// Includes httplib.h, whose system headers define the macro `_res` (resolv.h), which breaks
// Eigen's headers if they come later in the same file: include this after any Eigen user.
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "serve/connection_limits.hpp"

namespace autoscale::serve {

// cpp-httplib's server with the connection handling an operator can rely on:
// - a fixed pool of worker threads, each serving one connection at a time, and at most
//   `max_connections` connections served or waiting: past that, a connection is answered 503
//   and closed at once, from the accepting thread, without reading it;
// - keep-alive: up to `keep_alive_max` requests per connection, an idle connection closed after
//   `keep_alive_seconds`, every idle connection closed promptly once stop() is called;
// - graceful stop: stop() stops accepting, lets every request being processed finish and be
//   answered, then returns from listen_after_bind().
// Requests are still parsed and routed by httplib (process_request); only the connection loop is
// ours, built on httplib's public Stream interface.
class BoundedHttpServer : public httplib::Server {
 public:
  explicit BoundedHttpServer(ConnectionLimits limits);
  // Called (from the accepting thread) for each connection refused at the bound.
  void on_shed(std::function<void()> f) { on_shed_ = std::move(f); }
  // Stops accepting and closes idle connections; requests in progress finish. Thread-safe.
  void stop_gracefully();

 private:
  class Pool;
  bool process_and_close_socket(socket_t sock) override;

  ConnectionLimits limits_;
  std::function<void()> on_shed_;
  std::atomic<bool> stopping_{false};
};

}  // namespace autoscale::serve
