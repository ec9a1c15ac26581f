"""Optional Hamilton UI tracking (off by default).

Enable it with ``BuildRequest.hamilton_ui`` / ``CodeAnatomyResource.hamilton_ui`` or the
setting ``CODEANATOMY_HAMILTON_UI=http://127.0.0.1:8241`` (``core.settings``); needs the
``ui`` extra (``pip install -e ".[ui]"``, i.e. ``apache-hamilton[sdk]``). The project id
and user come from the settings too (``CODEANATOMY_HAMILTON_PROJECT``, default 1, and
``CODEANATOMY_HAMILTON_USER``, default ``codeanatomy``); the project must exist in the UI
first (see docs/dagster.md).

A build never fails because of tracking: the tracker connects to the UI when it is
constructed, so an unreachable UI, a missing project or a missing SDK is logged as a
warning and the build runs untracked.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def make_tracker(
    url: str | None = None,
    repo_id: str = "",
    dag_name: str = "codeanatomy",
    project_id: int = 1,
    username: str = "codeanatomy",
) -> Any | None:
    """A ``HamiltonTracker`` adapter for the driver, or None (no ``url``: off, or the
    UI is down)."""
    url = (url or "").strip() or None
    if url is None:
        return None
    try:
        from hamilton_sdk.adapters import HamiltonTracker
    except ImportError:
        logger.warning(
            "Hamilton UI tracking requested (%s) but apache-hamilton[sdk] is not installed; install the 'ui' extra",
            url,
        )
        return None
    try:
        return HamiltonTracker(
            project_id=project_id,
            username=username,
            dag_name=dag_name,
            tags={"repo": repo_id, "tool": "codeanatomy"},
            hamilton_api_url=url,
            hamilton_ui_url=url,
        )
    except (ConnectionError, OSError) as exc:  # requests' ConnectionError is an OSError
        logger.warning(
            "Hamilton UI at %s is not reachable (%s); building without tracking", url, exc
        )
    except Exception as exc:  # noqa: BLE001 - a missing project or auth must not fail a build either
        logger.warning(
            "Hamilton UI tracking at %s failed to start (%s); building without tracking", url, exc
        )
    return None
