// The event-driven synthetic load: the seed's load times surges that arrive as a Poisson process,
// ramp up, hold and decay.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "load/event_load.hpp"
#include "load/notebook_load.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

TEST(EventLoad, IsTheSeedLoadTimesItsFactorAndTheSameForTheSameSeed) {
  EventLoad a({}, {}), b({}, {});
  NotebookLoad base(NotebookLoadParams{});
  a.reset(7);
  b.reset(7);
  base.reset(7);
  int surging = 0;
  for (int m = 0; m < 20000; ++m) {
    const auto x = a.next();
    ASSERT_EQ(x, b.next()) << m;
    const double f = a.factor();
    ASSERT_GE(f, 1.0);
    ASSERT_EQ(x, static_cast<std::int64_t>(std::trunc(static_cast<double>(base.next()) * f))) << m;
    surging += f > 1.0;
  }
  EXPECT_GT(surging, 0);
  EventLoad c({}, {});
  c.reset(8);
  bool differs = false;
  a.reset(7);
  for (int m = 0; m < 5000 && !differs; ++m) differs = a.next() != c.next();
  EXPECT_TRUE(differs);
}

// Over many simulated days the number of surge starts is events_per_day per day, and each surge
// follows its shape: linear ramp to a plateau within the magnitude range, then back to 1.
TEST(EventLoad, EventsArriveAtTheirRateAndKeepTheirShape) {
  EventParams p;
  p.events_per_day = 2;
  p.magnitude_lo = 2;
  p.magnitude_hi = 3;
  p.ramp_up_lo = p.ramp_up_hi = 20;
  p.duration_lo = p.duration_hi = 60;
  p.decay_lo = p.decay_hi = 40;
  EventLoad l({}, p);
  l.reset(11);
  const int days = 400;
  int starts = 0;
  double prev = 1, peak = 1;
  for (int m = 0; m < days * 1440; ++m) {
    l.next();
    const double f = l.factor();
    if (prev == 1.0 && f > 1.0) ++starts;
    peak = std::max(peak, f);
    ASSERT_LE(f, 1 + 3.0 * 4) << "more overlapping surges than plausible at minute " << m;
    prev = f;
  }
  // Surges 2 h long at 2 a day overlap sometimes, which merges their starts: expect a little under 800.
  EXPECT_GT(starts, 600);
  EXPECT_LT(starts, 820);
  EXPECT_GE(peak, 3.0);
  // A lone surge: rate so low that the first one is alone; its plateau is 1 + magnitude.
  p.events_per_day = 0.01;
  EventLoad one({}, p);
  one.reset(3);
  std::vector<double> surge;  // the first surge's factors, minute by minute
  for (int m = 0; m < 400 * 1440; ++m) {
    one.next();
    if (one.factor() > 1) surge.push_back(one.factor());
    else if (!surge.empty()) break;
  }
  ASSERT_FALSE(surge.empty());
  const double top = *std::max_element(surge.begin(), surge.end());
  const auto plateau = std::count(surge.begin(), surge.end(), top);
  EXPECT_NEAR(static_cast<double>(surge.size()), 20 + 60 + 40, 2);
  for (int i = 1; i < 20; ++i) EXPECT_NEAR(surge[i] - surge[i - 1], (top - 1) / 20, 1e-9) << "ramp, minute " << i;
  EXPECT_GE(top, 3.0);
  EXPECT_LE(top, 4.0);
  EXPECT_GE(plateau, 59);
  EXPECT_LE(plateau, 62);
}

TEST(EventLoad, ScenarioFileAndBuiltInName) {
  const Scenario s = parse_scenario_toml(
      "[load]\nkind = \"seed-events\"\nevents_per_day = 3\nmagnitude = [0.5, 2]\nduration_minutes = [30, 60]\n", "x.toml", ".");
  EXPECT_EQ(s.load.kind, LoadKind::kNotebookEvents);
  EXPECT_EQ(s.load.events.events_per_day, 3);
  EXPECT_EQ(s.load.events.magnitude_lo, 0.5);
  EXPECT_EQ(s.load.events.duration_hi, 60);
  EXPECT_EQ(resolve_scenario("seed-events").load.kind, LoadKind::kNotebookEvents);
  try {
    parse_scenario_toml("[load]\nkind = \"seed-events\"\nmagnitude = [3, 2]\n", "bad.toml", ".");
    FAIL() << "a reversed range must be refused";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("magnitude"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace autoscale
