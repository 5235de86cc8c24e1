"""With gymnasium importable, Env/VecEnv are gymnasium classes with gymnasium spaces. gymnasium is not
packaged in Debian, so a minimal stand-in package (its class names, nothing else) proves the branch."""

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np

import autoscale

FAKE = {
    "__init__.py": """
        from . import spaces, vector
        class Env:
            metadata = {}
            spec = None
            @property
            def unwrapped(self):
                return self
    """,
    # Subclasses of autoscale's stand-ins (loaded from their file, not through the autoscale
    # package, which imports gymnasium), so that the test can tell which classes were used.
    "spaces.py": """
        import importlib.util, os
        _spec = importlib.util.spec_from_file_location("_fake_gym_spaces", os.environ["AUTOSCALE_SPACES_FILE"])
        _base = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_base)
        class Box(_base.Box):
            pass
        class MultiDiscrete(_base.MultiDiscrete):
            pass
    """,
    "vector.py": """
        import enum
        class VectorEnv:
            pass
        class AutoresetMode(enum.Enum):
            NEXT_STEP = "NextStep"
            SAME_STEP = "SameStep"
    """,
}

CHECK = """
import numpy as np, gymnasium, autoscale
assert autoscale.GYMNASIUM
env = autoscale.Env(seed=0)
assert isinstance(env, gymnasium.Env)
assert type(env.observation_space) is gymnasium.spaces.Box
assert type(env.action_space) is gymnasium.spaces.MultiDiscrete
obs, _ = env.reset()
assert env.observation_space.contains(obs)
vec = autoscale.VecEnv("seed", 3, seed=0, threads=1)
assert isinstance(vec, gymnasium.vector.VectorEnv)
assert vec.metadata["autoreset_mode"] is gymnasium.vector.AutoresetMode.SAME_STEP
assert type(vec.single_action_space) is gymnasium.spaces.MultiDiscrete
obs, _ = vec.reset()
obs = vec.step(vec.action_space.sample())[0]
assert vec.observation_space.contains(obs)
print("gymnasium branch ok")
"""


def test_gymnasium_branch(tmp_path):
    package = tmp_path / "gymnasium"
    package.mkdir()
    for name, text in FAKE.items():
        (package / name).write_text(textwrap.dedent(text))
    build_tree = pathlib.Path(autoscale.__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(build_tree)]),
               AUTOSCALE_SPACES_FILE=str(build_tree / "autoscale" / "_spaces.py"))
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "gymnasium branch ok" in done.stdout


def test_without_gymnasium_the_minimal_spaces_stand_in():
    if autoscale.GYMNASIUM:
        return
    from autoscale import _spaces
    env = autoscale.Env()
    assert type(env.observation_space) is _spaces.Box and type(env.action_space) is _spaces.MultiDiscrete
    space = env.action_space
    space.seed(4)
    samples = np.array([space.sample() for _ in range(200)])
    assert samples.min() == 0 and samples.max() == 10 and all(space.contains(s) for s in samples)
    assert not space.contains(np.array([11, 0])) and not space.contains(np.array([0.0, 1.0]))
    box = env.observation_space
    assert box.low.dtype == np.float32 and not box.contains(-np.ones(25, dtype=np.float32))
    assert not box.contains(np.zeros(24, dtype=np.float32))
