// gRPC load generator for bench/keda_bench.sh: CONNS threads, each on its own HTTP/2 connection,
// call ExternalScaler.GetMetrics (as KEDA polls) back to back for SECS seconds, one call in
// flight per connection (as wrk keeps one request in flight per connection).
//
//   autoscale_keda_load HOST:PORT SERVICE SECS CONNS
//
// Prints one line: requests/s p50 p90 p99 (microseconds) failed.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "externalscaler.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s HOST:PORT SERVICE SECS CONNS\n", argv[0]);
    return 2;
  }
  const std::string target = argv[1], service = argv[2];
  const double secs = std::atof(argv[3]);
  const int conns = std::atoi(argv[4]);
  using Clock = std::chrono::steady_clock;
  std::vector<std::vector<float>> lat(static_cast<std::size_t>(conns));
  std::vector<long> failed(static_cast<std::size_t>(conns), 0);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < conns; ++t) {
    threads.emplace_back([&, t] {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
      args.SetInt("autoscale.bench.connection", t);
      auto stub = externalscaler::ExternalScaler::NewStub(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
      externalscaler::GetMetricsRequest req;
      req.mutable_scaledobjectref()->set_name("bench");
      req.mutable_scaledobjectref()->set_namespace_("bench");
      (*req.mutable_scaledobjectref()->mutable_scalermetadata())["service"] = service;
      req.set_metricname("autoscale-" + service);
      {  // connect before the clock starts
        grpc::ClientContext ctx;
        externalscaler::GetMetricsResponse resp;
        stub->GetMetrics(&ctx, req, &resp);
      }
      while (!go.load()) std::this_thread::yield();
      const auto end = Clock::now() + std::chrono::duration<double>(secs);
      auto& mine = lat[static_cast<std::size_t>(t)];
      for (;;) {
        const auto t0 = Clock::now();
        if (t0 >= end) break;
        grpc::ClientContext ctx;
        externalscaler::GetMetricsResponse resp;
        const grpc::Status s = stub->GetMetrics(&ctx, req, &resp);
        const auto t1 = Clock::now();
        if (!s.ok() || resp.metricvalues_size() != 1) ++failed[static_cast<std::size_t>(t)];
        mine.push_back(std::chrono::duration<float, std::micro>(t1 - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = Clock::now();
  go = true;
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<float> all;
  long bad = 0;
  for (std::size_t i = 0; i < lat.size(); ++i) {
    all.insert(all.end(), lat[i].begin(), lat[i].end());
    bad += failed[i];
  }
  if (all.empty()) return 1;
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[std::min(all.size() - 1, static_cast<std::size_t>(p * static_cast<double>(all.size())))]; };
  std::printf("%.0f %.0f %.0f %.0f %ld\n", static_cast<double>(all.size()) / elapsed, pct(0.50), pct(0.90), pct(0.99), bad);
  return 0;
}
