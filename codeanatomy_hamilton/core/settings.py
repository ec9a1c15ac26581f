"""Every ``CODEANATOMY_*`` environment variable, in one frozen object.

The environment is read once, at the API boundary (the CLI, ``build.run_build`` when
the caller gave no ``BuildRequest.settings``, the Dagster resource), into a
``Settings``; the engine below gets the values passed down. An explicit argument (a
``BuildRequest`` field, a command-line flag, the Dagster resource's config) wins over
the environment. README's "Environment variables" table lists the same names (a test
checks it).

    Settings.from_env()          # the process environment
    Settings.from_env({...})     # any mapping (tests)
    Settings.describe()          # (variable, type, default, meaning) per setting
    Settings.read("models")      # one setting, where no settings object reaches
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PREFIX = "CODEANATOMY_"


class SettingsError(ValueError):
    """An environment variable whose value cannot be used (names the variable)."""


def _setting(default: Any, env: str, meaning: str) -> Any:
    return field(default=default, metadata={"env": env, "meaning": meaning})


@dataclass(frozen=True)
class Settings:
    cache_dir: str | None = _setting(
        None,
        "CODEANATOMY_CACHE_DIR",
        "Hamilton cache (results, plan timings) for CLI and API builds; unset: no cache "
        "(Dagster: the resource's cache dir)",
    )
    cache_max_mb: float = _setting(
        2048.0,
        "CODEANATOMY_CACHE_MAX_MB",
        "megabytes the Hamilton result store may hold before the oldest results go",
    )
    executor: str | None = _setting(
        None,
        "CODEANATOMY_EXECUTOR",
        "where extraction runs: local, processes or dask; unset: processes when workers > 1",
    )
    dask_address: str | None = _setting(
        None,
        "CODEANATOMY_DASK_ADDRESS",
        "Dask scheduler for the dask executor, e.g. tcp://host:8786; unset: a local "
        "cluster on 127.0.0.1",
    )
    hamilton_ui: str | None = _setting(
        None,
        "CODEANATOMY_HAMILTON_UI",
        "Hamilton UI URL to track builds to, e.g. http://127.0.0.1:8241; unset: off",
    )
    hamilton_project: int = _setting(
        1, "CODEANATOMY_HAMILTON_PROJECT", "Hamilton UI project id (the project must exist)"
    )
    hamilton_user: str = _setting(
        "codeanatomy", "CODEANATOMY_HAMILTON_USER", "Hamilton UI user name"
    )
    models: str | None = _setting(
        None,
        "CODEANATOMY_MODELS",
        "a value-flow models file read on top of the shipped valueflow.yaml",
    )
    warehouse: str | None = _setting(
        None,
        "CODEANATOMY_WAREHOUSE",
        "Dagster: the warehouse folder; unset: $DAGSTER_HOME/warehouse",
    )
    repos_file: str | None = _setting(
        None,
        "CODEANATOMY_REPOS",
        "Dagster: the repositories file; unset: $DAGSTER_HOME/repos.yaml",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of ``environ`` (default ``os.environ``); an empty variable is
        unset. Raises ``SettingsError`` naming a variable whose value is unusable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f.metadata["env"], "").strip()
            if raw:
                values[f.name] = _parse(f, raw)
        return cls(**values)

    @classmethod
    def read(cls, setting: str, environ: Mapping[str, str] | None = None) -> Any:
        """One setting (a field name) from ``environ`` (default ``os.environ``), for the
        one place no settings object reaches; the others are not parsed."""
        env = os.environ if environ is None else environ
        var = cls.env_name(setting)
        return getattr(cls.from_env({var: env[var]} if var in env else {}), setting)

    @classmethod
    def env_name(cls, setting: str) -> str:
        """The environment variable of setting ``setting`` (a field name)."""
        for f in dataclasses.fields(cls):
            if f.name == setting:
                return f.metadata["env"]
        raise KeyError(f"{setting!r} is not a setting")

    @property
    def cache_max_bytes(self) -> int:
        return int(self.cache_max_mb * 1024 * 1024)

    @classmethod
    def describe(cls) -> list[tuple[str, str, str, str]]:
        """(variable, type, default, meaning) of every setting, in declaration order."""
        out = []
        for f in dataclasses.fields(cls):
            kind = str(f.type).replace(" | None", "")
            default = (
                "unset"
                if f.default is None
                else f"{f.default:g}"
                if kind == "float"
                else str(f.default)
            )
            out.append((f.metadata["env"], kind, default, f.metadata["meaning"]))
        return out


def _parse(f: dataclasses.Field[Any], raw: str) -> Any:
    env = f.metadata["env"]
    kind = str(f.type)
    if kind == "float":
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{env}={raw!r} is not a number") from None
        if not 0 <= value < float("inf"):
            raise SettingsError(f"{env}={raw!r} is not a non-negative number")
        return value
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{env}={raw!r} is not a whole number") from None
    if f.name == "executor" and raw not in EXECUTORS:
        raise SettingsError(f"{env}={raw!r} is not one of {', '.join(EXECUTORS)}")
    return raw


# the executor kinds (``runtime.executors`` implements them)
EXECUTORS = ("local", "processes", "dask")
