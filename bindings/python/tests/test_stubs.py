"""The type stubs name real return types: pandas DataFrames, NumPy arrays, churnlens classes and
``shap.Explanation``, not ``Any`` (a type checker then catches ``model.predict(X).iloc``)."""

from __future__ import annotations

import ast
import pathlib

import churnlens as cl

PKG = pathlib.Path(cl.__file__).resolve().parent


def _returns(path: pathlib.Path) -> dict:
    """``{qualified function name: its return annotation as written}``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = {}

    def visit(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                ann = ast.unparse(child.returns) if child.returns is not None else None
                out.setdefault(prefix + child.name, []).append(ann)

    visit(tree)
    return out


def test_the_native_stubs_return_no_bare_any():
    stubs = PKG / "_churnlens.pyi"
    assert stubs.exists(), "the stubs ship in the wheel"
    returns = _returns(stubs)
    bare = sorted(n for n, anns in returns.items() if any(a in ("Any", "'Any'") for a in anns))
    assert bare == []
    assert returns["Validated.to_frame"] == ["pandas.DataFrame"]
    assert returns["Bundle.model"] == ["Model"]
    assert returns["OutcomeStore.export_training"] == ["pandas.DataFrame", "int"]
    assert returns["_Model.predict"] == ["npt.NDArray[np.float64]"]
    assert returns["Bundle.explain"] == ["'Explanation'", "List['Explanation']"]


def test_public_python_functions_name_their_results():
    init = _returns(PKG / "__init__.py")
    assert init["Model.explain"] == ["'shap.Explanation'"]
    assert init["Model.load"] == ["'Model'"]
    pipeline = _returns(PKG / "_pipeline.py")
    assert pipeline["score_frame"] == ["Union['pd.DataFrame', Tuple['pd.DataFrame', RunSummary]]"]
    for path in (PKG / "_input.py", PKG / "_intake.py"):
        public = {n: a for n, a in _returns(path).items() if not n.startswith("_")}
        assert all(None not in anns and "Any" not in anns for anns in public.values()), public


def test_the_stubs_parse_with_their_imports():
    """The names the stubs import exist at run time (so a checker resolves them)."""
    import numpy.typing  # noqa: F401
    import pandas

    assert hasattr(pandas, "DataFrame") and hasattr(pandas, "Series")
    assert hasattr(cl, "Model") and hasattr(cl._churnlens._Model, "_category_inputs")
