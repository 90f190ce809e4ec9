"""Simulated SLB data plane: loopback mux listeners per VIP rule, health probes, guest-side listeners."""

from .mux import DataPlane

__all__ = ["DataPlane"]
