"""The examples run and their plans pass the validator."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dispatcher_desk(capsys: pytest.CaptureFixture[str]) -> None:
    _load("dispatcher_desk").main(time_limit=1.0)
    out = capsys.readouterr().out
    assert "Who takes EM-1?" in out and "Slots to offer" in out and "Re-plan at 11:00" in out
    assert out.rstrip().endswith("validator: no violations")
