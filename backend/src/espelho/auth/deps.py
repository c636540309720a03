"""Route dependencies for authentication and roles.

Placeholder until the auth issue lands: every request passes. Routes already declare what they need
(`SyncRoleDep` on sync triggers) so enabling auth changes this module only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends


def require_sync_role() -> None:
    """Sync triggers: ADMIN or MANAGER."""


SyncRoleDep = Annotated[None, Depends(require_sync_role)]
