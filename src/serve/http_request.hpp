#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct MHD_Connection;

namespace autoscale::serve {

struct MhdCallbacks;

// One HTTP request as the routes see it: the method, the decoded path, the whole body, and
// header and query look-ups that read the connection's parsed values only when asked.
class HttpRequest {
 public:
  std::string method;
  std::string path;
  std::string body;
  std::string remote_addr;
  std::string id;  // the {id} of /v1/services/{id}[/metrics], set by the router
  bool body_too_large = false;  // over the server's limit: not read (or not kept); answered 413

  std::string header(const char* name) const;              // "" when absent; names are case-insensitive
  std::optional<std::string> param(const char* name) const;  // a query-string argument

 private:
  friend class HttpServer;
  friend struct MhdCallbacks;
  MHD_Connection* connection_ = nullptr;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace autoscale::serve
