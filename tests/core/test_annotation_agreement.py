"""Agreement statistics against values worked out by hand (and one published example)."""

from __future__ import annotations

import pytest

from clinsum.annotation.agreement import cohen_kappa, krippendorff_alpha, percent_agreement

# Two raters, four items, scale 1..3:  a = 1 2 3 3,  b = 1 3 3 2.
# Joint proportions: (1,1) (2,3) (3,3) (3,2) each 1/4; marginals a = b = (1/4, 1/4, 1/2).
# Unweighted: p_o = 1/2, p_e = 1/16 + 1/16 + 1/4 = 3/8 → κ = (1/2 − 3/8) / (5/8) = 1/5.
# Linear w = |i−j|/2: observed disagreement = 2·(1/4·1/2) = 1/4; expected =
#   2·[½·(1/4·1/4) + 1·(1/4·1/2) + ½·(1/4·1/2)] = 7/16 → κ = 1 − (1/4)/(7/16) = 3/7.
# Quadratic w = (|i−j|/2)²: observed = 2·(1/4·1/4) = 1/8; expected =
#   2·[¼·1/16 + 1·1/8 + ¼·1/8] = 11/32 → κ = 1 − (1/8)/(11/32) = 7/11.
A, B, SCALE = [1, 2, 3, 3], [1, 3, 3, 2], [1, 2, 3]


def test_cohen_kappa_hand_computed():
    assert cohen_kappa(A, B, SCALE, "none") == pytest.approx(1 / 5)
    assert cohen_kappa(A, B, SCALE, "linear") == pytest.approx(3 / 7)
    assert cohen_kappa(A, B, SCALE, "quadratic") == pytest.approx(7 / 11)


def test_cohen_kappa_limits():
    assert cohen_kappa([1, 2, 3], [1, 2, 3], SCALE) == pytest.approx(1.0)
    # perfect disagreement at the ends of the scale: κ_w = 1 − 1/(1/2) = −1
    assert cohen_kappa([1, 3], [3, 1], SCALE, "quadratic") == pytest.approx(-1.0)
    assert cohen_kappa([2, 2], [2, 2], SCALE) is None  # no variation: undefined
    assert cohen_kappa([], [], SCALE) is None
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 2], SCALE)


def test_krippendorff_alpha_hand_computed():
    # units (1,1) (1,2) (2,2): coincidences o11 = 2, o12 = o21 = 1, o22 = 2; n1 = n2 = 3, n = 6.
    # interval δ² = 1 off the diagonal: α = 1 − (n−1)·Σoδ² / Σ n_c n_k δ² = 1 − 5·2/18 = 4/9.
    units = [[1, 1], [1, 2], [2, 2]]
    assert krippendorff_alpha(units, "interval") == pytest.approx(4 / 9)
    assert krippendorff_alpha(units, "nominal") == pytest.approx(4 / 9)
    # ordinal δ²(1,2) = (n1 + n2 − (n1 + n2)/2)² = 9: α = 1 − 5·18/162 = 4/9 as well.
    assert krippendorff_alpha(units, "ordinal") == pytest.approx(4 / 9)
    # interval with three values: units (1,3) (2,2) (3,3): o13 = o31 = 1, o22 = 2, o33 = 2;
    # n1 = 1, n2 = 2, n3 = 3, n = 6. Observed Σoδ² = 2·4 = 8. Expected Σ n_c n_k δ² =
    # 2·(1·2·1 + 1·3·4 + 2·3·1) = 40 → α = 1 − 5·8/40 = 0.
    assert krippendorff_alpha([[1, 3], [2, 2], [3, 3]], "interval") == pytest.approx(0.0)


def test_krippendorff_alpha_published_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers,
    # 12 units, missing values; published α: nominal 0.743, ordinal 0.815, interval 0.849.
    n = None
    rows = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    units = [[v for v in column if v is not None] for column in zip(*rows, strict=True)]
    assert krippendorff_alpha(units, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(units, "interval") == pytest.approx(0.849, abs=5e-4)


def test_krippendorff_alpha_undefined_and_perfect():
    assert krippendorff_alpha([[3, 3], [3, 3]]) is None      # one value only
    assert krippendorff_alpha([[1], [2]]) is None             # nothing pairable
    assert krippendorff_alpha([[1, 1], [5, 5], [3, 3, 3]], "interval") == pytest.approx(1.0)


def test_percent_agreement_hand_computed():
    # unit 1: 3 raters, pairs (1,1) (1,2) (1,2) → 1 of 3 agree; unit 2: (4,4) → 1 of 1.
    assert percent_agreement([[1, 1, 2], [4, 4], [5]]) == pytest.approx(2 / 4)
    assert percent_agreement([[1], [2]]) is None
