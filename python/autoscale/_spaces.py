"""Minimal stand-ins for gymnasium.spaces.Box and MultiDiscrete, used when gymnasium is not
importable (Debian does not package it). Same constructor arguments and attributes for what the
environments use: shape, dtype, low/high, nvec, contains(), sample(), seed()."""

import numpy as np


class Space:
    def __init__(self, shape, dtype, seed=None):
        self._shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self._np_random = None
        if seed is not None:
            self.seed(seed)

    @property
    def shape(self):
        return self._shape

    @property
    def np_random(self):
        if self._np_random is None:
            self.seed()
        return self._np_random

    def seed(self, seed=None):
        self._np_random = np.random.default_rng(seed)
        return [seed]

    def __contains__(self, x):
        return self.contains(x)


class Box(Space):
    """A box in R^n: low <= x <= high elementwise (bounds may be infinite)."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        if shape is None:
            shape = np.broadcast(np.asarray(low), np.asarray(high)).shape
        super().__init__(shape, dtype, seed)
        self.low = np.full(self.shape, low, dtype=self.dtype)
        self.high = np.full(self.shape, high, dtype=self.dtype)

    def contains(self, x):
        x = np.asarray(x)
        return (x.shape == self.shape and np.can_cast(x.dtype, self.dtype)
                and bool(np.all(x >= self.low)) and bool(np.all(x <= self.high)))

    def sample(self):
        # Like gymnasium: uniform on bounded dimensions, exponential/normal where unbounded.
        low = np.where(np.isfinite(self.low), self.low, -1.0)
        high = np.where(np.isfinite(self.high), self.high, low + 1.0)
        both_inf = ~np.isfinite(self.low) & ~np.isfinite(self.high)
        x = self.np_random.uniform(low, high, size=self.shape)
        x = np.where(both_inf, self.np_random.normal(size=self.shape), x)
        return x.astype(self.dtype)

    def __repr__(self):
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"

    def __eq__(self, other):
        return (isinstance(other, Box) and self.shape == other.shape and self.dtype == other.dtype
                and np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high))


class MultiDiscrete(Space):
    """Several categorical choices: x[i] in 0 .. nvec[i] - 1 (nvec may be any shape)."""

    def __init__(self, nvec, dtype=np.int64, seed=None):
        self.nvec = np.array(nvec, dtype=dtype, copy=True)
        if np.any(self.nvec < 1):
            raise ValueError("MultiDiscrete: every nvec entry must be at least 1")
        super().__init__(self.nvec.shape, dtype, seed)

    def contains(self, x):
        x = np.asarray(x)
        return (x.shape == self.shape and x.dtype.kind in "iu"
                and bool(np.all(x >= 0)) and bool(np.all(x < self.nvec)))

    def sample(self):
        return self.np_random.integers(0, self.nvec, size=self.shape).astype(self.dtype)

    def __repr__(self):
        return f"MultiDiscrete({self.nvec.tolist()})"

    def __eq__(self, other):
        return isinstance(other, MultiDiscrete) and np.array_equal(self.nvec, other.nvec)
