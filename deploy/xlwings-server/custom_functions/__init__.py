"""The custom functions of an AltHedge xlwings Server: AltHedge's function list, nothing else."""

from .althedge import *  # noqa: F403
