"""The input model: frozen, keyword-only dataclasses with integer times (seconds since origin)."""

from dispatchopt.models.location import Location as Location
from dispatchopt.models.problem import ObjectiveWeights as ObjectiveWeights
from dispatchopt.models.problem import Problem as Problem
from dispatchopt.models.problem import Vehicle as Vehicle
from dispatchopt.models.technician import Break as Break
from dispatchopt.models.technician import Shift as Shift
from dispatchopt.models.technician import Technician as Technician
from dispatchopt.models.ticket import Priority as Priority
from dispatchopt.models.ticket import Ticket as Ticket
from dispatchopt.models.ticket import TimeWindow as TimeWindow
from dispatchopt.models.travel import GeodesicTravel as GeodesicTravel
from dispatchopt.models.travel import HaversineTravel as HaversineTravel
from dispatchopt.models.travel import MatrixTravel as MatrixTravel
from dispatchopt.models.travel import TravelMatrices as TravelMatrices
from dispatchopt.models.travel import TravelModel as TravelModel
