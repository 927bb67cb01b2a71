"""The docstring rewriting that the API pages go through (hooks/griffe_math.py)."""

import importlib.util
import pathlib

import pytest

_PATH = pathlib.Path(__file__).resolve().parents[1] / "hooks" / "griffe_math.py"
_spec = importlib.util.spec_from_file_location("griffe_math", _PATH)
griffe_math = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(griffe_math)


def test_grouped_parameters_are_split_with_their_description():
    text = (
        "Summary.\n\nParameters\n----------\nx : ndarray\n    Input.\n"
        "stride, padding : int, optional\n    As in conv2d.\n\n    Second paragraph.\n"
        "\nReturns\n-------\na, b : int\n    A pair.\n"
    )
    out = griffe_math.split_grouped_parameters(text)
    assert "stride : int, optional\n    As in conv2d.\n\n    Second paragraph.\npadding : int" in out
    assert "stride, padding" not in out
    # Only parameter sections are touched: a grouped Returns entry stays as written.
    assert "a, b : int\n    A pair." in out


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (":math:`x^2`", "$x^2$"),
        (":func:`conv2d`", "`conv2d`"),
        ("Text.\n\n.. math::\n    a = b\n\nAfter.", "$$\na = b\n$$"),
    ],
    ids=["inline-role", "xref-role", "display-directive"],
)
def test_rst_math_becomes_markdown(src, expected):
    assert expected in griffe_math.rst_math_to_markdown(src)


def test_real_signature_defaults_survive():
    """The bug being worked around: a grouped entry used to show the first name's default."""
    import griffe  # installed with the docs extra (mkdocstrings-python)

    conv = griffe.load(
        "cnnbp.conv", extensions=griffe.load_extensions(str(_PATH)), docstring_parser="numpy"
    )
    fn = conv["conv2d_output_shape"]
    params = {p.name: p.value for s in fn.docstring.parsed if s.kind.value == "parameters" for p in s.value}
    assert params["stride"] == "1" and params["padding"] == "0" and params["dilation"] == "1"


def test_see_also_becomes_a_list():
    text = "Sum.\n\nSee Also\n--------\nconv2d_backward : the gradients.\na, b : two more.\n\nNotes\n-----\nx"
    out = griffe_math.see_also_to_list(text)
    assert "- `conv2d_backward`: the gradients.\n- `a`, `b`: two more.\n\nNotes" in out
