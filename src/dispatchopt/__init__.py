"""dispatchopt: field-service dispatch optimisation on Google OR-Tools.

Build a :class:`Problem` from :class:`Technician` and :class:`Ticket` records, call
:func:`solve`, and check the :class:`Result` with :func:`validate`.
"""

import logging

from dispatchopt.errors import InputError as InputError
from dispatchopt.explain import Explanation as Explanation
from dispatchopt.explain import Fix as Fix
from dispatchopt.explain import explain as explain
from dispatchopt.generate import generate as generate
from dispatchopt.insertion import Candidate as Candidate
from dispatchopt.insertion import Insertion as Insertion
from dispatchopt.insertion import add_tickets as add_tickets
from dispatchopt.insertion import insertion_candidates as insertion_candidates
from dispatchopt.models import Break as Break
from dispatchopt.models import GeodesicTravel as GeodesicTravel
from dispatchopt.models import HaversineTravel as HaversineTravel
from dispatchopt.models import Location as Location
from dispatchopt.models import MatrixTravel as MatrixTravel
from dispatchopt.models import ObjectiveWeights as ObjectiveWeights
from dispatchopt.models import Priority as Priority
from dispatchopt.models import Problem as Problem
from dispatchopt.models import Shift as Shift
from dispatchopt.models import Technician as Technician
from dispatchopt.models import Ticket as Ticket
from dispatchopt.models import TimeWindow as TimeWindow
from dispatchopt.models.baseline import Baseline as Baseline
from dispatchopt.models.baseline import StabilityCosts as StabilityCosts
from dispatchopt.params import SolveParams as SolveParams
from dispatchopt.replan import CancelTicket as CancelTicket
from dispatchopt.replan import NewTickets as NewTickets
from dispatchopt.replan import Pin as Pin
from dispatchopt.replan import Replan as Replan
from dispatchopt.replan import TechnicianUnavailable as TechnicianUnavailable
from dispatchopt.replan import VisitOverrun as VisitOverrun
from dispatchopt.replan import repair_candidates as repair_candidates
from dispatchopt.replan import replan as replan
from dispatchopt.result import KPIs as KPIs
from dispatchopt.result import PlacedBreak as PlacedBreak
from dispatchopt.result import Result as Result
from dispatchopt.result import Route as Route
from dispatchopt.result import Unassigned as Unassigned
from dispatchopt.result import Visit as Visit
from dispatchopt.result import plan_cost as plan_cost
from dispatchopt.result import route_cost as route_cost
from dispatchopt.slots import SlotOffer as SlotOffer
from dispatchopt.slots import daily_slots as daily_slots
from dispatchopt.slots import offer_slots as offer_slots
from dispatchopt.solve import solve as solve
from dispatchopt.validate import Violation as Violation
from dispatchopt.validate import validate as validate

__version__ = "0.1.0"

logging.getLogger("dispatchopt").addHandler(logging.NullHandler())
