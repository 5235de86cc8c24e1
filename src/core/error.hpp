#pragma once
#include <stdexcept>
#include <string>

namespace autoscale {

// Every user-facing failure (bad file, bad flag, bad value) is an Error whose message names what
// is wrong and where; the CLI prints it on one line and exits non-zero.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace autoscale
