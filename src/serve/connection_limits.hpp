#pragma once

namespace autoscale::serve {

// How many connections the server takes and how long it waits on them (BoundedHttpServer).
struct ConnectionLimits {
  int threads = 2;            // event loops, each serving many connections
  int max_connections = 256;  // open connections; past it, 503 and close
  int keep_alive_max = 10000; // requests per connection
  int keep_alive_seconds = 5; // an idle connection is closed after this
  int read_timeout_seconds = 5;
  int write_timeout_seconds = 5;
};

}  // namespace autoscale::serve
