"""The one entry point."""

from __future__ import annotations

from dispatchopt.models.problem import Problem
from dispatchopt.params import SolveParams
from dispatchopt.result import Result
from dispatchopt.solvers import get_backend


def solve(
    problem: Problem, params: SolveParams | None = None, *, backend: str = "ortools"
) -> Result:
    """Assign tickets to technicians and plan each technician's route.

    Parameters
    ----------
    problem
        The technicians, tickets and travel model.
    params
        Search settings (time limit 10 s by default).
    backend
        Which solver backend to use.

    Returns
    -------
    Result
        Routes for every technician shift, every ticket not routed listed as unassigned with a
        reason, and KPIs. Check it independently with :func:`dispatchopt.validate`.
    """
    return get_backend(backend)(problem, params or SolveParams())
