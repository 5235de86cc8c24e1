#include "http/transport_error.hpp"

namespace autoscale::http {

std::string transport_error_text(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::ConnectionTimeout: return "connecting timed out";
    case httplib::Error::Read: return "reading the response failed or timed out";
    case httplib::Error::Write: return "sending the request failed";
    case httplib::Error::ExceedRedirectCount: return "too many redirects";
    case httplib::Error::SSLConnection: return "the TLS connection failed";
    case httplib::Error::SSLLoadingCerts: return "loading the CA certificates failed";
    case httplib::Error::SSLServerVerification: return "the server's TLS certificate did not verify";
    case httplib::Error::Canceled: return "the request was canceled";
    default: return "the request failed (" + httplib::to_string(e) + ")";
  }
}

}  // namespace autoscale::http
