"""Adapters between dispatchopt's model and file formats."""

from dispatchopt.io.native_json import load_problem as load_problem
from dispatchopt.io.native_json import problem_from_dict as problem_from_dict
from dispatchopt.io.native_json import problem_to_dict as problem_to_dict
from dispatchopt.io.native_json import result_from_dict as result_from_dict
from dispatchopt.io.native_json import result_to_dict as result_to_dict
