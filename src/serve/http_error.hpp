#pragma once
#include <string>

#include "core/error.hpp"

namespace autoscale::serve {

// A request the server refuses, with the HTTP status that says why. The message names the problem
// (the field, the line, the limit) and is sent to the client as {"error": message}.
class HttpError : public Error {
 public:
  HttpError(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

inline HttpError bad_request(const std::string& message) { return HttpError(400, message); }
inline HttpError conflict(const std::string& message) { return HttpError(409, message); }

}  // namespace autoscale::serve
