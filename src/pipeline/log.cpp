#include "pipeline/log.hpp"

#include <cstdio>

namespace autoscale::pipeline {

Log stdout_log() {
  return [](const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
}

}  // namespace autoscale::pipeline
