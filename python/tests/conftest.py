"""Shared fixtures. ctest runs this suite with PYTHONPATH at the build tree and AUTOSCALE_CLI at the
command-line tool (python/CMakeLists.txt); run by hand:
    PYTHONPATH=build/release/python /usr/bin/python3 -m pytest python/tests
"""

import json
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("AUTOSCALE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


@pytest.fixture(scope="session")
def cli():
    path = pathlib.Path(os.environ.get("AUTOSCALE_CLI", SOURCE_DIR / "build" / "release" / "autoscale"))
    if not path.exists():
        pytest.fail(f"the autoscale CLI is not built at {path} (set AUTOSCALE_CLI)")

    def run(*args):
        done = subprocess.run([str(path), *map(str, args)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


@pytest.fixture()
def cli_json(cli, tmp_path):
    """Runs `autoscale evaluate ... --json FILE` and returns the parsed file."""
    def run(*args):
        out = tmp_path / "cli.json"
        cli("evaluate", *args, "--json", out)
        return json.loads(out.read_text())
    return run
