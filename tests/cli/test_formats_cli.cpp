// The CLI with Kubernetes HPA and KEDA manifests: `@FILE.yaml` specs, `export`, `run --baseline`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;

struct CliRun {
  int code;
  std::string out;
};

CliRun cli(const std::string& args, bool merge_stderr = false) {
  const std::string cmd = std::string(AUTOSCALE_CLI) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

const std::string kExamples = std::string(AUTOSCALE_SOURCE_DIR) + "/examples/";

// Export, then evaluate the spec and the manifest side by side: the same profit in every episode.
TEST(FormatsCli, AnExportedManifestEvaluatesLikeItsSpec) {
  const auto dir = temp_dir("autoscale_export");
  const std::string spec = "hpa:target=0.62,tolerance=0.05,down_window=120,up_pods=6,up_percent=0,up_period=30,min=3,max=300";
  for (const char* format : {"hpa", "keda"}) {
    SCOPED_TRACE(format);
    const auto file = dir / (std::string(format) + ".yaml");
    const CliRun e = cli("export --policy " + spec + " --format " + format + " --name web --out " + file.string(), true);
    ASSERT_EQ(e.code, 0) << e.out;
    const auto json = dir / (std::string(format) + ".json");
    const CliRun r = cli("evaluate --scenario seed --seed 11 --episodes 3 --threads 2 --policies " + spec + ",@" +
                         file.string() + " --json " + json.string());
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = nlohmann::json::parse(read(json));
    ASSERT_EQ(j["policies"].size(), 2u);
    EXPECT_EQ(j["policies"][0]["episode_profits"], j["policies"][1]["episode_profits"]);
    EXPECT_THAT(j["policies"][1]["policy"].get<std::string>(), HasSubstr("target=0.62,tolerance=0.05,"));
  }
  EXPECT_EQ(cli("export --policy hpa --format hpa --out " + (dir / "x.yaml").string()).code, 2);  // --name needed
  std::filesystem::remove_all(dir);
}

TEST(FormatsCli, ManifestsAreSpecsForSimulateAndTuneAndRefusalsNameTheField) {
  const CliRun s = cli("simulate --minutes 100 --policy @" + kExamples + "scaledobject.yaml");
  EXPECT_EQ(s.code, 0) << s.out;
  // Tuning starts from the operator's HPA: the keys it does not tune (min, max, the rate policies) stay theirs.
  const CliRun t = cli("tune --policy @" + kExamples + "hpa.yaml --scenario seed --seed 1 --episodes 2 --budget 3 --threads 2");
  ASSERT_EQ(t.code, 0) << t.out;
  const std::string last = t.out.substr(t.out.rfind('\n', t.out.size() - 2) + 1);
  EXPECT_EQ(last.rfind("hpa:", 0), 0u) << last;
  EXPECT_THAT(last, HasSubstr("up_pods=8,"));
  EXPECT_THAT(last, HasSubstr("min=20"));
  const auto dir = temp_dir("autoscale_bad_manifest");
  const auto bad = dir / "bad.yaml";
  std::ofstream(bad) << "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef: {name: web}\n"
                        "  maxReplicas: 10\n  behavior: {scaleUp: {selectPolicy: Min}}\n";
  const CliRun e = cli("evaluate --episodes 1 --policies @" + bad.string(), true);
  EXPECT_EQ(e.code, 1);
  EXPECT_THAT(e.out, HasSubstr(bad.string() + ": spec.behavior.scaleUp.selectPolicy: Min over two policies"));
  std::filesystem::remove_all(dir);
}

}  // namespace
