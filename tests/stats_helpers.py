"""Statistical checks shared by the initializer and module tests.

Thresholds: the sample mean of n draws is within 6 standard errors of the true mean,
and the sample standard deviation within 6 / sqrt(2n) relative error (its standard
error for a normal-like distribution) — a false failure about once in 10**8 runs.
"""

import math

import numpy as np


def check_std(x, mean, std):
    n = x.size
    assert abs(x.mean() - mean) < 6 * std / math.sqrt(n), (x.mean(), mean)
    assert abs(x.std() / std - 1) < 6 / math.sqrt(2 * n), (x.std(), std)


def check_uniform(x, bound):
    """Values in [-bound, bound), reaching close to the bound, with U's spread."""
    n = x.size
    assert x.min() >= -bound and x.max() < bound
    assert np.abs(x).max() > bound * (1 - 20 / n)
    check_std(x, 0.0, bound / math.sqrt(3))


def ks_distance(x, cdf):
    """The Kolmogorov-Smirnov statistic of the sample ``x`` against ``cdf``; below
    ``1.95 / sqrt(n)`` passes at about the 0.1% level."""
    x = np.sort(x)
    n = x.size
    c = cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n))
