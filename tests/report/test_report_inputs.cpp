#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "report/progress_csv.hpp"
#include "report/report_data.hpp"
#include "report/trace_csv.hpp"
#include "report_test_util.hpp"

using namespace autoscale;
using namespace autoscale::report;
using report_test::TempDir;

namespace {

const std::string kHeader = "policy,episode,minute,load,capacity,active,warming,failed,down,add,remove,reward\n";

// Rows of one policy-episode: load 1000 + 10 m, capacity 900 + m, one downtime at minute 2.
std::string rows(const std::string& policy, int episode, int minutes, int load_offset = 0) {
  std::string s;
  for (int m = 1; m <= minutes; ++m) {
    s += "\"" + policy + "\"," + std::to_string(episode) + "," + std::to_string(m) + "," +
         std::to_string(1000 + 10 * m + load_offset) + "," + std::to_string(900 + m) + ",3,1,0," + (m == 2 ? "1" : "0") +
         "," + (m == 1 ? "2" : "0") + ",0,0.5\n";
  }
  return s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ReportTraceCsv, ReadsPoliciesAndEpisodesWithQuotedSpecs) {
  TempDir dir("report_trace_ok");
  const auto f = dir.write("t.csv", kHeader + rows("hpa:target=0.6,tolerance=0.1", 0, 4) + rows("hpa:target=0.6,tolerance=0.1", 1, 4) +
                                        rows("say \"\"hi\"\"", 0, 4) + rows("say \"\"hi\"\"", 1, 4));
  const auto eps = read_minute_traces({f});
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].episode, 0);
  EXPECT_EQ(eps[0].first_minute, 1);
  ASSERT_EQ(eps[0].policies.size(), 2u);
  EXPECT_EQ(eps[0].policies[0].policy, "hpa:target=0.6,tolerance=0.1");
  EXPECT_EQ(eps[0].policies[1].policy, "say \"hi\"");
  EXPECT_EQ(eps[1].load, (std::vector<std::int64_t>{1010, 1020, 1030, 1040}));
  EXPECT_EQ(eps[1].policies[1].capacity[3], 904);
  EXPECT_EQ(eps[1].policies[1].down, (std::vector<std::int64_t>{0, 1, 0, 0}));
  EXPECT_EQ(eps[1].policies[1].add[0], 2);
  EXPECT_DOUBLE_EQ(eps[1].policies[1].reward[2], 0.5);
}

TEST(ReportTraceCsv, KeepsOnlyTheSelectedEpisodes) {
  TempDir dir("report_trace_sel");
  std::string text = kHeader;
  for (int e = 0; e < 5; ++e) text += rows("a", e, 3, e);
  for (int e = 0; e < 5; ++e) text += rows("b", e, 3, e);
  const auto f = dir.write("t.csv", text);
  const auto first = read_minute_traces({f}, {.episodes = {}, .max_episodes = 2});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].episode, 1);
  EXPECT_EQ(first[1].policies.size(), 2u);
  const auto chosen = read_minute_traces({f}, {.episodes = {4, 2}});
  ASSERT_EQ(chosen.size(), 2u);
  EXPECT_EQ(chosen[0].episode, 2);
  EXPECT_EQ(chosen[1].episode, 4);
  EXPECT_EQ(chosen[1].load[0], 1014);
}

TEST(ReportTraceCsv, MergesFilesAndFindsTracesInADirectory) {
  TempDir dir("report_trace_dir");
  dir.write("a.csv", kHeader + rows("a", 0, 3));
  dir.write("b.csv", kHeader + rows("b", 0, 3));
  dir.write("other.csv", "x,y\n1,2\n");
  dir.write("notes.txt", "hello");
  const auto files = trace_files_in(dir.path);
  ASSERT_EQ(files.size(), 2u);
  const auto eps = read_minute_traces(files);
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].policies.size(), 2u);
  TempDir empty("report_trace_empty");
  EXPECT_NE(error_of([&] { trace_files_in(empty.path); }).find("no minute-trace CSV"), std::string::npos);
  EXPECT_NE(error_of([&] { trace_files_in(empty.path / "nope.csv"); }).find("does not exist"), std::string::npos);
}

TEST(ReportTraceCsv, BadInputNamesFileAndLine) {
  TempDir dir("report_trace_bad");
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases{
      {"episode,minute,load\n", "t.csv:1: not a minute trace"},
      {kHeader + rows("a", 0, 2) + "\"a\",0,3,1030,903,3,1,0,0,0,0\n", "t.csv:4: expected 12 fields, found 11"},
      {kHeader + "\"a\",0,1,10x0,900,3,1,0,0,0,0,0.5\n", "t.csv:2: field 'load' is not an integer: '10x0'"},
      {kHeader + "\"a\",0,1,1000,900,3,1,0,0,0,0,abc\n", "t.csv:2: field 'reward' is not a number"},
      {kHeader + "\"a,0,1,1000,900,3,1,0,0,0,0,0.5\n", "t.csv:2: unterminated quoted policy field"},
      {kHeader + rows("a", 0, 2) + "\"a\",0,5,1050,905,3,1,0,0,0,0,0.5\n", "t.csv:4: policy 'a' episode 0: minute 5 follows minute 2"},
      {kHeader + rows("a", 0, 2) + rows("b", 0, 2, 7), "t.csv:4: episode 0 minute 1: load 1017 differs from 1010"},
      {kHeader + rows("a", 0, 2) + rows("b", 0, 2) + rows("a", 0, 2), "t.csv:6: policy 'a' episode 0 appears twice"},
      {kHeader + rows("a", 0, 3) + rows("b", 0, 2), "policy 'b' has 2 minutes of episode 0, another policy 3"},
      {kHeader + "\"a\",-1,1,1000,900,3,1,0,0,0,0,0.5\n", "t.csv:2: episode -1 out of range"},
  };
  for (const auto& c : cases) {
    const auto f = dir.write("t.csv", c.text);
    const std::string msg = error_of([&] { read_minute_traces({f}); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "got: " << msg << "\nexpected: " << c.expect;
  }
}

TEST(ReportProgressCsv, ReadsColumnsByNameWithGapsAndSkipsATornLastRow) {
  TempDir dir("report_progress");
  const auto f = dir.write("progress.csv",
                           "steps,wall_seconds,steps_per_second,train_episode_profit,validation_profit,extra\n"
                           "4096,0.5,8000,,,1\n"
                           "8192,1.0,8000,1200.5,1500.25,1\n"
                           "12288,1.5,8000,1300,,1\n"
                           "16384,2.0,80");
  const auto c = read_progress_csv(f);
  ASSERT_EQ(c.steps.size(), 3u);
  EXPECT_EQ(c.steps[2], 12288);
  EXPECT_EQ(c.wall_seconds[1], 1.0);
  EXPECT_TRUE(std::isnan(c.train_profit[0]));
  EXPECT_EQ(c.train_profit[1], 1200.5);
  EXPECT_EQ(c.validation_profit[1], 1500.25);
  EXPECT_TRUE(std::isnan(c.validation_profit[2]));
}

TEST(ReportProgressCsv, BadInputNamesFileAndLine) {
  TempDir dir("report_progress_bad");
  const std::string h = "steps,wall_seconds,train_episode_profit,validation_profit\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"steps,wall_seconds\n1,2\n", "progress.csv:1: no 'train_episode_profit' column"},
      {h + "1,2,3\n", "progress.csv:2: expected 4 fields, found 3"},
      {h + "1,2,3,4\n5,x,3,4\n", "progress.csv:3: 'wall_seconds' is not a number: 'x'"},
      {h + "1,,3,4\n", "progress.csv:2: 'wall_seconds' is empty"},
      {h + "10,1,3,4\n5,2,3,4\n", "progress.csv:3: steps go backwards"},
      {"", "progress.csv:1: empty file"},
  };
  for (const auto& [text, expect] : cases) {
    const auto f = dir.write("progress.csv", text);
    const std::string msg = error_of([&] { read_progress_csv(f); });
    EXPECT_NE(msg.find(expect), std::string::npos) << "got: " << msg << "\nexpected: " << expect;
  }
  EXPECT_NE(error_of([&] { read_progress_csv(dir.path / "missing.csv"); }).find("cannot open"), std::string::npos);
}

TEST(ReportEvaluation, MissingOrMistypedFieldsAreNamed) {
  nlohmann::json good = {{"scenario", "seed"}, {"first_seed", 5}, {"episodes", 2},
                         {"policies", {{{"policy", "a"}, {"mean_profit", 1.0}, {"downtime_minutes", 0}, {"availability", 1},
                                        {"machine_minutes", 3}, {"episode_profits", {1.0, 1.0}}}}}};
  EXPECT_NO_THROW(check_evaluation(good, "e.json"));
  const std::vector<std::pair<std::function<void(nlohmann::json&)>, std::string>> cases{
      {[](nlohmann::json& j) { j.erase("policies"); }, "e.json: field 'policies' missing"},
      {[](nlohmann::json& j) { j["policies"][0].erase("mean_profit"); }, "e.json: policies[0]: field 'mean_profit' missing or not a number"},
      {[](nlohmann::json& j) { j["policies"][0]["policy"] = 3; }, "e.json: policies[0]: field 'policy' missing or not a string"},
      {[](nlohmann::json& j) { j["policies"][0]["episode_profits"] = {1, "x"}; }, "'episode_profits' holds a non-number"},
      {[](nlohmann::json& j) { j["first_seed"] = "five"; }, "field 'first_seed' is not an integer"},
      {[](nlohmann::json& j) {
         j["policies"].push_back(j["policies"][0]);
         j["policies"][1]["episode_profits"] = {1.0};
       }, "policies[1]: 1 episode profits, policies[0] has 2"},
  };
  for (const auto& [mutate, expect] : cases) {
    auto j = good;
    mutate(j);
    const std::string msg = error_of([&] { check_evaluation(j, "e.json"); });
    EXPECT_NE(msg.find(expect), std::string::npos) << "got: " << msg << "\nexpected: " << expect;
  }
}
