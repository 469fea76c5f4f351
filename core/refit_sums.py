"""Sums ``S_i = sum_{j in set_i} g_j / (v_j + t_i)`` for many refits at once, without the k x k
matrix: the engine of the O(k m) leave-one-out and cumulative passes of :mod:`core.sensitivity`.

The random-effects pooled mean of a refit needs ``F_g(t) = sum_j g_j / (v_j + t)`` (g = 1, y,
y^2) at the refit's own tau^2 ``t``.  ``F_g`` is analytic on t >= 0 (its poles are at
``-v_j < 0``); in ``s = log(t + min v)`` its singularities lie at ``Im s = +/- pi``.  It is
evaluated at m Chebyshev points in s spanning the refits' tau^2 values and interpolated
(barycentric formula).  m is chosen from the Bernstein-ellipse convergence rate (Trefethen
2013, Theorem 8.2) aiming at 1e-13, and the result is checked a posteriori against exact sums
at six refits; if that check fails, if more than 256 points would be needed, or if k is
small, the exact blocked O(k^2) sum is used instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_CHEB_TOL = 1e-13
_CHEB_MAX_NODES = 256


@dataclass(frozen=True, slots=True)
class RefitSums:
    """``values`` (n, G): ``values[i, c] = sum_{j in set_i} g[j, c] / (v_j + t_i)``;
    ``interpolated`` says whether the Chebyshev interpolation (rather than the exact sum) gave them."""

    values: np.ndarray
    interpolated: bool


def _cheb_nodes(a: float, b: float, vmin: float) -> np.ndarray | None:
    """Chebyshev points (2nd kind) for interpolation in ``s = log(t + vmin)`` on [a, b].

    In s every term ``g_j / (v_j + t) = g_j / (v_j - vmin + e^s)`` is analytic except at
    ``Im s = +/- pi`` (or nowhere, for the smallest v), so interpolation converges at least
    like ``rho^-m`` with ``rho = b' + sqrt(b'^2 + 1)``, ``b' = pi / half-width`` (Trefethen
    2013, Approximation Theory and Approximation Practice, Theorem 8.2).  m is chosen from
    that rate with a margin; the caller verifies the result (:func:`_spot_check`).  Returns
    the node positions in s, or None when more than 256 points would be needed.
    """
    lo, hi = np.log(a + vmin), np.log(b + vmin)
    c, h = (lo + hi) / 2, (hi - lo) / 2
    bp = np.pi / h
    rho = bp + np.sqrt(bp * bp + 1.0)
    m = int(np.ceil(np.log(8.0 / (_CHEB_TOL * (rho - 1.0))) / np.log(rho))) + 2
    if m > _CHEB_MAX_NODES:
        return None
    m = max(m, 4)
    return c + h * np.cos(np.pi * np.arange(m) / (m - 1))


def _barycentric(nodes: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Interpolate ``values`` (G, m, n) known at ``nodes`` (m,) at ``t`` (n,); returns (n, G).

    Column n of ``values[g]`` holds the function for refit n; the barycentric weights of
    Chebyshev points of the second kind are (-1)^j, halved at both ends (Berrut & Trefethen
    2004, SIAM Rev 46:501-517, eq. 5.2).
    """
    m = nodes.size
    bw = (-1.0) ** np.arange(m)
    bw[0] *= 0.5
    bw[-1] *= 0.5
    diff = t[None, :] - nodes[:, None]                 # (m, n)
    exact = diff == 0
    diff[exact] = 1.0
    kern = bw[:, None] / diff                          # (m, n)
    den = kern.sum(axis=0)
    out = np.empty((t.size, values.shape[0]))
    for g in range(values.shape[0]):
        out[:, g] = np.einsum("mn,mn->n", kern, values[g]) / den
    hit_n = np.flatnonzero(exact.any(axis=0))
    if hit_n.size:
        node_of = exact[:, hit_n].argmax(axis=0)
        out[hit_n] = values[:, node_of, hit_n].T
    return out


def _spot_check(vi, g, t, prefix: bool, approx: np.ndarray) -> bool:
    """A-posteriori check of the interpolation at 6 refits (extreme and spread t's), O(k) each.

    True when every checked sum agrees with the exact one within 1e-11 of the sum of the
    absolute terms; otherwise the caller falls back to the exact blocked computation.
    """
    n = t.size
    picks = np.unique(np.concatenate([[int(np.argmin(t)), int(np.argmax(t))],
                                      np.linspace(0, n - 1, 4).astype(int)]))
    for i in picks:
        upto = i + 1 if prefix else vi.size
        terms = g[:upto] / (vi[:upto] + t[i])[:, None]
        exact = terms.sum(axis=0)
        scale = np.abs(terms).sum(axis=0)
        if np.any(np.abs(approx[i] - exact) > 1e-11 * np.maximum(scale, 1e-300)):
            return False
    return True


def refit_sums(vi: np.ndarray, g: np.ndarray, t: np.ndarray, *, prefix: bool) -> RefitSums:
    """The sums ``S[i] = sum_{j in set_i} g[j] / (v_j + t_i)`` for ``t`` (n,), ``g`` (k, G).

    ``prefix=False``: set_i = all j (the caller subtracts study i's own term for leave-one-out).
    ``prefix=True``: set_i = {0..i} (cumulative).
    """
    k = vi.size
    a, b = float(t.min()), float(t.max())
    if b - a <= 1e-15 * max(1.0, b):                  # one common t: exact, O(k)
        w = 1.0 / (vi + a)
        terms = g * w[:, None]
        if prefix:
            return RefitSums(np.cumsum(terms, axis=0), False)
        return RefitSums(np.broadcast_to(terms.sum(axis=0), (t.size, g.shape[1])).copy(), False)
    vmin = float(vi.min())
    nodes = _cheb_nodes(a, b, vmin)
    if nodes is not None and nodes.size * 4 < k:
        t_nodes = np.exp(nodes) - vmin
        inv = 1.0 / (vi[None, :] + t_nodes[:, None])   # (m, k)
        if prefix:
            vals = np.empty((g.shape[1], nodes.size, k))                           # (G, m, k)
            tmp = np.empty_like(inv)
            for j in range(g.shape[1]):
                np.multiply(inv, g[:, j], out=tmp)
                np.cumsum(tmp, axis=1, out=vals[j])
        else:
            vals = np.broadcast_to((inv @ g).T[:, :, None], (g.shape[1], nodes.size, t.size))
        approx = _barycentric(nodes, vals, np.log(t + vmin))
        if _spot_check(vi, g, t, prefix, approx):
            return RefitSums(approx, True)
    out = np.empty((t.size, g.shape[1]))                 # exact, blocked O(k^2)
    for s in range(0, t.size, 512):
        inv = 1.0 / (vi[None, :] + t[s:s + 512, None])
        if prefix:
            inv = np.where(np.arange(k)[None, :] <= np.arange(s, min(s + 512, t.size))[:, None], inv, 0.0)
        out[s:s + 512] = inv @ g
    return RefitSums(out, False)

