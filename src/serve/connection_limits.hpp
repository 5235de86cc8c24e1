#pragma once

namespace autoscale::serve {

// How many connections the server takes and how long it waits on them (HttpServer).
struct ConnectionLimits {
  int threads = 2;            // event loops, each serving many connections
  int max_connections = 256;  // open connections; past it, 503 and close
  int keep_alive_max = 10000; // requests per connection
  int keep_alive_seconds = 5; // a connection that sends nothing (idle, or stalled in a head) is closed after this
  int read_timeout_seconds = 5;   // once a request's head has arrived, for the rest of it
  int write_timeout_seconds = 5;  // for the client to take the answer
};

}  // namespace autoscale::serve
