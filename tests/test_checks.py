"""The check helpers pass when a claim holds and fail, with claim/expected/actual, when not."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jax101


def test_passing_checks_are_counted():
    before = jax101.checks_passed()
    jax101.check(True, claim="true is true")
    jax101.check_close(1.0, 1.0, claim="one is one")
    assert jax101.checks_passed() == before + 2


def test_a_failing_check_is_not_counted():
    before = jax101.checks_passed()
    with pytest.raises(jax101.CheckFailed):
        jax101.check(False, claim="false is true")
    assert jax101.checks_passed() == before


@pytest.mark.parametrize(
    ("actual", "expected", "rtol", "atol"),
    [
        pytest.param(1.0 + 1e-7, 1.0, 1e-6, 0.0, id="within-rtol"),
        pytest.param(1e-9, 0.0, 0.0, 1e-8, id="within-atol"),
        pytest.param(jnp.arange(3.0), np.arange(3.0), 0.0, 0.0, id="jax-vs-numpy"),
    ],
)
def test_check_close_accepts_values_within_tolerance(actual, expected, rtol, atol):
    jax101.check_close(actual, expected, rtol=rtol, atol=atol, claim="close")


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        pytest.param(1.1, 1.0, r"max \|actual - expected\| = 0\.1", id="value"),
        pytest.param(
            [1.0, 2.0], [1.0], r"expected: shape \(1,\)\n  actual:   shape \(2,\)", id="shape"
        ),
        pytest.param(np.nan, 1.0, r"actual:   nan", id="nan"),
    ],
)
def test_check_close_fails_with_claim_expected_and_actual(actual, expected, message):
    with pytest.raises(jax101.CheckFailed, match=message) as failure:
        jax101.check_close(actual, expected, rtol=1e-6, claim="the claim under test")
    assert str(failure.value).startswith("Claim failed: the claim under test\n  expected:")


def test_check_close_never_broadcasts():
    with pytest.raises(jax101.CheckFailed, match="shape"):
        jax101.check_close(np.ones(3), 1.0, claim="a vector is not a scalar")


def test_check_reports_the_actual_value():
    seven, three = 7, 3
    with pytest.raises(jax101.CheckFailed, match=r"expected: True\n  actual:   7 > 3"):
        jax101.check(seven < three, claim="seven is small", actual="7 > 3")


def test_expect_error_shows_and_records_the_error(capsys: pytest.CaptureFixture[str]):
    with jax101.expect_error(ValueError, claim="int('x') fails", match="invalid literal") as err:
        int("x")
    assert err.type_name == "ValueError"
    assert "invalid literal" in err.message
    assert capsys.readouterr().out.startswith("ValueError: invalid literal")


def test_expect_error_accepts_subclasses():
    with jax101.expect_error(LookupError, claim="a missing key is a lookup error", show=False):
        {}["missing"]


@pytest.mark.parametrize(
    ("block", "match", "message"),
    [
        pytest.param(
            lambda: None, None, r"expected: ValueError raised\n  actual:   no exception", id="none"
        ),
        pytest.param(
            lambda: 1 / 0, None, r"actual:   ZeroDivisionError: division by", id="other-type"
        ),
        pytest.param(
            lambda: int("x"), "nomatch", r"expected: message matching 'nomatch'", id="text"
        ),
    ],
)
def test_expect_error_fails_when_the_error_does_not_happen_as_claimed(block, match, message):
    with (
        pytest.raises(jax101.CheckFailed, match=message),
        jax101.expect_error(ValueError, claim="it raises", match=match),
    ):
        block()


def test_check_primitives_sees_nested_jaxprs():
    inner = jax.jit(jnp.cos)
    jaxpr = jax.make_jaxpr(lambda x: inner(x) + jax.lax.cond(x > 0, jnp.sin, jnp.tanh, x))(1.0)
    names = jax101.check_primitives(
        jaxpr, present=["cos", "sin", "tanh", "add"], absent=["exp"], claim="nested"
    )
    assert names.count("cos") == 1


def test_check_primitives_lists_missing_and_forbidden():
    jaxpr = jax.make_jaxpr(jnp.sin)(1.0)
    with pytest.raises(
        jax101.CheckFailed, match=r"missing: \['cos'\]; present but forbidden: \['sin'\]"
    ):
        jax101.check_primitives(jaxpr, present=["cos"], absent=["sin"], claim="cos, not sin")


def test_count_compilations_counts_new_shapes_only():
    def double(v: jax.Array) -> jax.Array:
        return 2 * v

    jitted = jax.jit(double)
    a, b, c = jnp.ones(4), jnp.zeros(4), jnp.ones(5)
    with jax101.count_compilations() as seen:
        jitted(a)
        jitted(b)
        jitted(c)
    seen.expect(2, claim="one compilation per shape")
    with pytest.raises(jax101.CheckFailed, match=r"expected: 1 compilation\(s\)\n  actual:   2"):
        seen.expect(1, claim="a single compilation")


def test_count_compilations_stops_listening_after_the_block():
    with jax101.count_compilations() as seen:
        pass
    jax.jit(lambda v: v - 1)(jnp.ones(6))
    assert seen.count == 0


@pytest.mark.parametrize(
    ("actual", "expected", "rtol", "atol"),
    [
        pytest.param(1.2, 1.0, 1.0, 0.0, id="rtol-of-100-percent"),
        pytest.param(0.3, 0.0, 0.0, 1.0, id="atol-as-large-as-the-values"),
        pytest.param([10.0, 1.0], [10.0, 1.0], 0.6, 0.0, id="every-element-loose"),
    ],
)
def test_check_close_refuses_a_tolerance_that_accepts_a_wrong_answer(actual, expected, rtol, atol):
    before = jax101.checks_passed()
    with pytest.raises(jax101.CheckCannotFail, match="also accept expected"):
        jax101.check_close(actual, expected, rtol=rtol, atol=atol, claim="too loose")
    assert jax101.checks_passed() == before


def test_check_close_refuses_a_value_compared_with_itself():
    x = jnp.arange(3.0)
    with pytest.raises(jax101.CheckCannotFail, match="the same object"):
        jax101.check_close(x, x, claim="x is x")


@pytest.mark.parametrize(
    ("actual", "expected", "rtol", "atol"),
    [
        pytest.param(0.52, 0.5, 0.0, 0.05, id="monte-carlo-tolerance"),
        pytest.param([1e-9, 0.0], [0.0, 0.0], 0.0, 1e-6, id="residual-near-zero"),
        pytest.param(np.nan, np.nan, 1e-6, 0.0, id="nothing-finite"),
    ],
)
def test_the_audit_accepts_tolerances_that_can_fail(actual, expected, rtol, atol):
    if np.isnan(expected).any():
        with pytest.raises(jax101.CheckFailed):  # nan never equals nan; the audit is not reached
            jax101.check_close(actual, expected, rtol=rtol, atol=atol, claim="nan")
        return
    jax101.check_close(actual, expected, rtol=rtol, atol=atol, claim="a tolerance that can fail")


def test_the_audit_is_a_kind_of_check_failed():
    assert issubclass(jax101.CheckCannotFail, jax101.CheckFailed)


def test_check_primitives_refuses_an_empty_claim():
    jaxpr = jax.make_jaxpr(jnp.sin)(1.0)
    with pytest.raises(jax101.CheckCannotFail, match="none given"):
        jax101.check_primitives(jaxpr, claim="nothing to look for")


# Tests that kill mutants of _checks.py which the tests above let through (issue 21 item 18).
# Each expected value comes from the claim itself, never from the helper's output.


def test_check_primitives_fails_when_a_forbidden_primitive_appears():
    jaxpr = jax.make_jaxpr(jnp.sin)(1.0)
    with pytest.raises(jax101.CheckFailed, match=r"present but forbidden: \['sin'\]"):
        jax101.check_primitives(jaxpr, absent=["sin"], claim="no sin")


def test_check_primitives_returns_the_names_and_counts_the_check():
    jaxpr = jax.make_jaxpr(lambda x: jnp.sin(x) * 2.0)(1.0)
    before = jax101.checks_passed()
    names = jax101.check_primitives(jaxpr, present=["sin"], claim="sin")
    assert names == ["sin", "mul"]
    assert jax101.checks_passed() == before + 1


@pytest.mark.parametrize("expected", [0, 2, 3])
def test_compilations_expect_fails_on_any_other_count(expected):
    seen = jax101.Compilations(names=["jit(f)"])  # one compilation
    with pytest.raises(jax101.CheckFailed, match=f"{expected} compilation"):
        seen.expect(expected, claim="compiles as claimed")


def test_compilations_expect_passes_on_the_exact_count_and_counts_it():
    before = jax101.checks_passed()
    jax101.Compilations(names=["jit(f)", "jit(f)"]).expect(2, claim="compiles twice")
    assert jax101.checks_passed() == before + 1


@pytest.mark.parametrize("condition", [np.bool_(False), jnp.array(False), 0, []])
def test_check_fails_on_every_false_value_not_only_false_itself(condition):
    with pytest.raises(jax101.CheckFailed):
        jax101.check(condition, claim="falsy is false")


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        pytest.param(np.ones((1, 3)), np.ones(3), id="row-vs-vector"),
        pytest.param(np.ones((3, 1)), np.ones(3), id="column-vs-vector"),
        pytest.param(np.ones(3), np.ones((1, 3)), id="vector-vs-row"),
    ],
)
def test_check_close_compares_shapes_not_sizes(actual, expected):
    with pytest.raises(jax101.CheckFailed, match="shape"):
        jax101.check_close(actual, expected, claim="same shape")


def test_check_close_fails_when_actual_is_below_expected():
    with pytest.raises(jax101.CheckFailed):
        jax101.check_close(0.9, 1.0, rtol=0.01, claim="0.9 is 1 within 1 %")


def test_check_close_fails_when_one_element_of_many_is_wrong():
    actual = np.array([1.0, 2.0, 3.0, 4.5])
    with pytest.raises(jax101.CheckFailed, match="max"):
        jax101.check_close(actual, [1.0, 2.0, 3.0, 4.0], rtol=1e-3, claim="one bad element")


def test_check_close_default_rtol_is_one_in_a_million():
    # 1 + 5e-7 is inside rtol=1e-6, 1 + 2e-6 is outside: the default bound is 1e-6.
    jax101.check_close(1.0 + 5e-7, 1.0, claim="within the default rtol")
    with pytest.raises(jax101.CheckFailed):
        jax101.check_close(1.0 + 2e-6, 1.0, claim="outside the default rtol")


def test_check_close_scales_rtol_by_the_magnitude_of_a_negative_expected_value():
    jax101.check_close(-100.05, -100.0, rtol=1e-3, claim="|error| 0.05 <= 1e-3 * 100")
    with pytest.raises(jax101.CheckFailed):
        jax101.check_close(-100.2, -100.0, rtol=1e-3, claim="|error| 0.2 > 1e-3 * 100")


def test_the_audit_boundary_is_half_the_magnitude():
    # expected 4: the wrong answer is 4 + 0.5 * 4 = 6, at distance 2.
    jax101.check_close(4.0, 4.0, atol=1.99, claim="atol just below the wrong distance")
    with pytest.raises(jax101.CheckCannotFail):
        jax101.check_close(4.0, 4.0, atol=2.0, rtol=0.0, claim="atol equal to the distance")
    # expected 0.25: the magnitude is floored at 1, so the wrong answer is 0.75, distance 0.5.
    jax101.check_close(0.25, 0.25, atol=0.49, claim="atol below 0.5")
    with pytest.raises(jax101.CheckCannotFail):
        jax101.check_close(0.25, 0.25, atol=0.5, rtol=0.0, claim="atol of 0.5")


def test_the_audit_ignores_non_finite_expected_values():
    before = jax101.checks_passed()
    jax101.check_close(np.inf, np.inf, claim="infinity is expected")
    jax101.check_close([np.inf, 2.0], [np.inf, 2.0], rtol=0.1, claim="the finite part is audited")
    assert jax101.checks_passed() == before + 2
    with pytest.raises(jax101.CheckCannotFail):
        jax101.check_close([np.inf, 2.0], [np.inf, 2.0], rtol=0.6, claim="loose on the finite part")


def test_a_passing_expect_error_is_counted_and_a_failing_one_is_not():
    before = jax101.checks_passed()
    with jax101.expect_error(ZeroDivisionError, claim="divides by zero", show=False):
        _ = 1 / 0
    assert jax101.checks_passed() == before + 1
    with pytest.raises(jax101.CheckFailed), jax101.expect_error(KeyError, claim="no error"):
        pass
    assert jax101.checks_passed() == before + 1


def test_check_close_compares_complex_values_as_complex_numbers():
    # |(1+2j) - (1+2.1j)| = 0.1: inside atol 0.2, outside atol 0.05 (the real parts agree).
    jax101.check_close(jnp.array(1 + 2j), 1 + 2.1j, atol=0.2, claim="complex within 0.2")
    jax101.check_close(1 + 2.1j, jnp.array(1 + 2j), atol=0.2, claim="complex expected")
    with pytest.raises(jax101.CheckFailed):
        jax101.check_close(jnp.array(1 + 2j), 1 + 2.1j, atol=0.05, claim="complex within 0.05")
