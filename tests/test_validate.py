"""cnnbp._validate: the dtype rules and the argument checks every public function relies on."""

import numpy as np
import pytest

from cnnbp._validate import (
    as_array,
    as_int,
    as_pair,
    as_x_shape,
    check_ndim,
    check_nonempty,
    check_shape,
    common_dtype,
    conv_args,
    conv_hyper,
    out_hw,
    out_len,
    pool_args,
    pool_hyper,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.ones(3, np.float32), np.float32),
        (np.ones(3, np.float64), np.float64),
        (np.ones(3, np.float16), np.float32),
        (np.ones(3, np.int8), np.float64),
        (np.ones(3, np.int64), np.float64),
        (np.ones(3, np.uint16), np.float64),
        (np.ones(3, bool), np.float64),
        ([[1, 2], [3, 4]], np.float64),
        ([[1.5, 2], [3, 4]], np.float64),
        (3, np.float64),
        (2.5, np.float64),
        (np.float32(2.5), np.float32),
    ],
    ids=["f32", "f64", "f16", "int8", "int64", "uint16", "bool", "nested-int-list",
         "nested-float-list", "python-int", "python-float", "np-float32-scalar"],
)
def test_as_array_dtype_rules(value, expected):
    a = as_array(value, "x")
    assert isinstance(a, np.ndarray) and a.dtype == expected
    np.testing.assert_array_equal(a, np.asarray(value, dtype=np.float64))


def test_as_array_float_input_is_not_copied_or_modified():
    x = np.arange(4.0)
    assert as_array(x, "x") is x
    x32 = np.arange(4, dtype=np.float32)
    assert as_array(x32, "x") is x32
    i = np.arange(4)
    as_array(i, "x")[0] = 99.0
    assert i[0] == 0  # the integer input was copied, not changed


@pytest.mark.parametrize(
    "value",
    [np.ones(2, complex), np.array(["a", "b"]), np.array([None, 1], dtype=object),
     np.array([b"x"]), [[1, 2], [3]], np.array(["2020-01-01"], dtype="datetime64[D]"), "abc"],
    ids=["complex", "str", "object", "bytes", "ragged-list", "datetime", "python-str"],
)
def test_as_array_rejects(value):
    with pytest.raises(TypeError, match=r"^w must be a"):
        as_array(value, "w")


def test_common_dtype():
    f32, f64 = np.ones(1, np.float32), np.ones(1)
    assert common_dtype(f32, f32) == np.float32
    assert common_dtype(f32, f64) == np.float64
    assert common_dtype(f64) == np.float64


def test_check_ndim():
    check_ndim(np.ones((1, 2, 3, 4)), 4, "x", "(N, C, H, W)")
    with pytest.raises(ValueError, match=r"^x must be 4-D \(N, C, H, W\), got shape \(2, 3\)$"):
        check_ndim(np.ones((2, 3)), 4, "x", "(N, C, H, W)")


def test_check_shape():
    check_shape(np.ones((2, 3)), (2, 3), "dy", "the output")
    with pytest.raises(ValueError, match=r"^dy has shape \(3, 2\), but the output is \(2, 3\)$"):
        check_shape(np.ones((3, 2)), [2, 3], "dy", "the output")


@pytest.mark.parametrize(("value", "minimum", "expected"),
                         [(3, 1, 3), (np.int64(2), 1, 2), (0, 0, 0), (np.uint8(7), 1, 7)],
                         ids=["int", "np-int64", "zero-allowed", "np-uint8"])
def test_as_int_accepts(value, minimum, expected):
    out = as_int(value, "size", minimum)
    assert out == expected and type(out) is int


@pytest.mark.parametrize(
    ("value", "minimum", "exc", "pattern"),
    [
        (2.0, 1, TypeError, r"size must be an integer, got 2.0 of type float"),
        (True, 1, TypeError, r"size must be an integer, got True of type bool"),
        ("2", 1, TypeError, r"size must be an integer, got '2' of type str"),
        (None, 1, TypeError, r"size must be an integer, got None"),
        (0, 1, ValueError, r"size must be >= 1, got 0"),
        (-1, 0, ValueError, r"size must be >= 0, got -1"),
    ],
    ids=["float", "bool", "str", "none", "below-1", "below-0"],
)
def test_as_int_errors(value, minimum, exc, pattern):
    with pytest.raises(exc, match=pattern):
        as_int(value, "size", minimum)


@pytest.mark.parametrize(("value", "expected"),
                         [(2, (2, 2)), ((1, 3), (1, 3)), ([4, 5], (4, 5)), (np.array([2, 1]), (2, 1))],
                         ids=["int", "tuple", "list", "ndarray"])
def test_as_pair_accepts(value, expected):
    assert as_pair(value, "stride") == expected


@pytest.mark.parametrize(
    ("value", "minimum", "exc", "pattern"),
    [
        ((1, 2, 3), 1, ValueError, r"stride must be an int or an \(h, w\) pair, got 3 values"),
        ((), 1, ValueError, r"stride must be an int or an \(h, w\) pair, got 0 values"),
        ((1, 0), 1, ValueError, r"stride\[1\] must be >= 1, got 0"),
        ((1.5, 2), 1, TypeError, r"stride\[0\] must be an integer"),
        (0, 1, ValueError, r"stride must be >= 1, got 0"),
        ((-1, 0), 0, ValueError, r"stride\[0\] must be >= 0, got -1"),
        (1.0, 1, TypeError, r"stride must be an integer"),
    ],
    ids=["three", "empty", "second-zero", "float-entry", "int-zero", "negative-padding", "float"],
)
def test_as_pair_errors(value, minimum, exc, pattern):
    with pytest.raises(exc, match=pattern):
        as_pair(value, "stride", minimum)


@pytest.mark.parametrize(
    ("args", "expected"),
    [((5, 2, 1, 0, 1), 4), ((28, 3, 2, 1, 1), 14), ((7, 3, 1, 0, 2), 3), ((6, 2, 3, 0, 1), 2),
     ((1, 1, 2, 1, 1), 2), ((4, 4, 1, 0, 1), 1)],
    ids=["seed", "stride-2-pad-1", "dilation-2", "leftover-row", "padding-only", "kernel-fills-input"],
)
def test_out_len(args, expected):
    assert out_len(*args, "height", "f") == expected


def test_out_len_and_out_hw_reject_an_overhanging_kernel():
    with pytest.raises(ValueError, match=r"^f: the kernel's width extent 5 \(size 3, dilation 2\) is "
                                         r"larger than the padded input width 3 \+ 2\*0 = 3$"):
        out_hw((9, 3), (3, 3), (1, 1), (0, 0), (1, 2), "f")
    assert out_hw((7, 9), (3, 2), (1, 1), (0, 0), (2, 3), "f") == (3, 6)


def test_hyper_parameter_pairs():
    assert conv_hyper(2, (0, 1), 1) == ((2, 2), (0, 1), (1, 1))
    assert pool_hyper(3, None) == ((3, 3), (3, 3))
    assert pool_hyper((2, 3), 1) == ((2, 3), (1, 1))
    with pytest.raises(ValueError, match=r"^padding must be >= 0, got -1$"):
        conv_hyper(1, -1, 1)
    with pytest.raises(TypeError, match=r"^stride must be an integer, got 1.0 of type float$"):
        pool_hyper(2, 1.0)


def test_as_x_shape_and_check_nonempty():
    assert as_x_shape([1, 2, 3, 4], "(N, C, H, W)") == (1, 2, 3, 4)
    with pytest.raises(ValueError, match=r"^x_shape must be a tuple \(N, C, H, W\) of 4 ints, got \(1, 2\)$"):
        as_x_shape((1, 2), "(N, C, H, W)")
    with pytest.raises(ValueError, match=r"^x_shape\[2\] must be >= 1, got 0$"):
        as_x_shape((1, 2, 0, 4), "(N, C, H, W)")
    with pytest.raises(ValueError, match=r"^x has an empty dimension: shape \(2, 0\)$"):
        check_nonempty(np.ones((2, 0)), "x")


def test_conv_args_promote_to_one_dtype_and_leave_equal_dtypes_alone():
    x, w = np.ones((1, 1, 3, 3), np.float32), np.ones((1, 1, 2, 2), np.float32)
    mixed = conv_args(x, w, [1], 1, 0, 1)  # a list bias is float64: everything becomes float64
    assert mixed[0].dtype == mixed[1].dtype == mixed[2].dtype == np.float64
    same = conv_args(x, w, np.ones(1, np.float32))
    assert same[0] is x and same[1] is w and same[-1] == (2, 2)


def test_pool_args():
    x = np.ones((1, 2, 5, 7))
    _, dy, size, stride, hw = pool_args(x, (2, 3), None, np.ones((1, 2, 2, 2), np.float32), "p")
    assert (size, stride, hw, dy.dtype) == ((2, 3), (2, 3), (2, 2), np.float64)
    with pytest.raises(ValueError, match=r"^p: window size \(6, 1\) is larger than the input's spatial "
                                         r"size \(5, 7\) \(x shape \(1, 2, 5, 7\)\)$"):
        pool_args(x, (6, 1), None, None, "p")


def test_remembered_signatures_change_no_result_and_no_error():
    """conv_args/pool_args remember signatures that passed unchanged: a failing call fails
    every time, a converting call converts every time, a passing one returns the same."""
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))
    for _ in range(2):
        with pytest.raises(ValueError, match=r"^dy has shape \(1, 1, 2, 2\)"):
            conv_args(x, w, None, 1, 0, 1, np.ones((1, 1, 2, 2)))
        with pytest.raises(ValueError, match=r"^p: window size \(5, 5\)"):
            pool_args(x, 5, None, None, "p")
    assert conv_args(x, w, None, 2, 1, 1)[4:] == conv_args(x, w, None, 2, 1, 1)[4:] == (
        (2, 2), (1, 1), (1, 1), (3, 3))
    assert pool_args(x, 2, 1)[2:] == pool_args(x, 2, 1)[2:] == ((2, 2), (1, 1), (3, 3))
    x32 = x.astype(np.float32)
    for _ in range(2):  # float32 x with a float64 w: promoted on every call
        assert conv_args(x32, w)[0].dtype == np.float64
        assert pool_args(x32, 2, None, np.ones((1, 1, 2, 2)))[0].dtype == np.float64
