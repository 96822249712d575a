"""Solver backends, imported lazily. Each is a function ``(Problem, SolveParams, *, initial)
-> Result``; ``initial`` routes, when given, start the search instead of a first solution."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Protocol

from dispatchopt.errors import InputError
from dispatchopt.models.problem import Problem
from dispatchopt.params import SolveParams
from dispatchopt.result import Result, Route


class Backend(Protocol):
    """A solver backend."""

    def __call__(
        self, problem: Problem, params: SolveParams, *, initial: Sequence[Route] | None = None
    ) -> Result: ...


#: backend name -> "module:function"
BACKENDS = {"ortools": "dispatchopt.solvers.ortools:solve_ortools"}


def get_backend(name: str) -> Backend:
    """Import and return a backend by name."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise InputError("params", f"unknown backend {name!r}; known: {sorted(BACKENDS)}") from None
    module, func = target.split(":")
    backend: Backend = getattr(importlib.import_module(module), func)
    return backend
