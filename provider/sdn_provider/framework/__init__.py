"""A fenced adapter over the `tf` 1.2.0 framework: each piece works around a gap or bug listed in
shared/reference/tf-framework-audit.md.

* `blocks`: nested blocks and types the framework lacks (`ListNestedBlock`, `SingleNestedBlock`, `Object`,
  `SafeSet`).
* `servicer`: `SdnServicer`, the RPCs done differently (plan on create, diagnostics instead of tracebacks, ...).
* `resource`: `BaseResource` and the plan context resources receive.
* `patches`: `install_runtime_patches()`, the process-level workarounds, applied only when called.
* `compat`: the pinned `tf` version and every private `tf` name we touch, checked before anything is patched.

Importing this package patches nothing.
"""

from sdn_provider.framework.blocks import ListNestedBlock, Object, SafeSet, SingleNestedBlock, is_known
from sdn_provider.framework.patches import STOP_REQUESTED, install_runtime_patches, patch_tf
from sdn_provider.framework.resource import BaseResource, SdnPlanContext
from sdn_provider.framework.servicer import SERVER_CAPABILITIES, make_servicer_class

__all__ = [
    "SERVER_CAPABILITIES",
    "STOP_REQUESTED",
    "BaseResource",
    "ListNestedBlock",
    "Object",
    "SafeSet",
    "SdnPlanContext",
    "SingleNestedBlock",
    "install_runtime_patches",
    "is_known",
    "make_servicer_class",
    "patch_tf",
]
