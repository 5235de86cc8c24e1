"""The seed ranges as Python sees them are the C++ core's (core/seed_ranges.hpp)."""
import autoscale


def test_ranges_are_the_cores():
    s = autoscale.seeds
    assert (s.TUNING, s.VALIDATION, s.EVALUATION, s.HOLDOUT) == (0, 900_000, 5_000_000, 6_000_000)
    assert s.training_seed_base(0) == 17


def test_no_training_seed_starts_inside_a_reserved_range():
    s = autoscale.seeds
    for seed in range(0, 50):
        base = s.training_seed_base(seed)
        for first in (s.VALIDATION, s.EVALUATION, s.HOLDOUT):
            assert not (first <= base < first + 1_000_000), (seed, base)


def test_names_are_the_cores_tables():
    assert autoscale.names["observations"] == ["seed", "extended", "scaled"]
    assert autoscale.names["actions"] == ["seed", "target", "relative", "relative-volatility", "residual"]
    assert autoscale.names["rewards"] == ["expected", "realized"]
    for observation in autoscale.names["observations"]:
        autoscale.Env("seed", seed=0, observation=observation)
