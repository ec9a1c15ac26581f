"""Scale-out: the extraction batches on a Dask cluster give the tables of a local build."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeanatomy_hamilton.core.schema import CPG_TABLES

from .conftest import write_files
from .test_parallel import FILES, build

distributed = pytest.importorskip("dask.distributed")


def test_dask_build_equals_local_build(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(repo, FILES)
    _, local = build(repo, tmp_path / "w_local", workers=1, extract_cache_dir="")
    # two in-process workers (threads), over TCP on 127.0.0.1 so that tasks and results
    # are serialized as for a remote cluster, which the executor joins by address
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        res, remote = build(
            repo,
            tmp_path / "w_dask",
            workers=2,
            executor="dask",
            dask_address=cluster.scheduler_address,
            extract_cache_dir="",
        )
    for name in CPG_TABLES:
        assert local[name].equals(remote[name]), name
    assert res.records["batch_extract"].rows == len(FILES)
