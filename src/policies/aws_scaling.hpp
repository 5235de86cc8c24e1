#pragma once
#include <string>

namespace autoscale {

// Pieces the AWS-style policies (target tracking, step, simple) share.

// A CloudWatch alarm on one-minute datapoints that fires after `points` consecutive breaching
// datapoints ("N out of N") and stays in ALARM while they keep breaching. Auto Scaling actions are
// re-invoked every minute the alarm stays in ALARM.
class Alarm {
 public:
  explicit Alarm(int points = 1) : points_(points) {}
  bool update(bool breaching) {
    count_ = breaching ? count_ + 1 : 0;
    return count_ >= points_;
  }
  void reset() { count_ = 0; }

 private:
  int points_;
  int count_ = 0;
};

// An AWS scaling adjustment: a machine count (ChangeInCapacity) or a percentage of the current
// capacity (PercentChangeInCapacity). Written `3` or `30pct` (or `30%`) in spec strings.
struct Adjustment {
  double value = 0;
  bool percent = false;
};

// Throws Error naming `spec_text` and `key` on a malformed value.
Adjustment parse_adjustment(const std::string& spec_text, const std::string& key, const std::string& text);
// The magnitude in machines of applying `a` to `capacity`, AWS rounding: a percentage above 1
// machine rounds down, one between 0 and 1 rounds up to 1; then at least `min_magnitude` for
// percentages (MinAdjustmentMagnitude).
int adjustment_machines(const Adjustment& a, int capacity, int min_magnitude);

}  // namespace autoscale
