#pragma once
// What went wrong below HTTP (no status line came back), in words an operator can act on: one
// text per cpp-httplib error for every client of the project (Prometheus, the Kubernetes API,
// control's webhook), so the same failure reads the same wherever it happens.
#include <httplib.h>

#include <string>

namespace autoscale::http {

std::string transport_error_text(httplib::Error e);

}  // namespace autoscale::http
