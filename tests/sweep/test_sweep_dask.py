"""The same sweep on a local Dask cluster gives the same table as a serial run."""

from __future__ import annotations

import pytest

from zmfab.sweep import sweep

distributed = pytest.importorskip("distributed")


def test_dask_cluster_matches_serial_and_resumes(design, tmp_path):
    vary = ["gap=100um:300um:100um", "fingers=2,3"]
    serial = sweep(design, vary, tmp_path / "serial", build=False, jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        # by address, with no client of ours open: the sweep makes (and closes) its own
        on_dask = sweep(design, vary, tmp_path / "dask", build=False, scheduler=cluster.scheduler_address)
        assert on_dask.rows == serial.rows and on_dask.ran == 6
        with distributed.Client(cluster) as client:
            again = sweep(design, vary, tmp_path / "dask", build=False, scheduler=client)
            assert (again.ran, again.skipped) == (0, 6)
            built = sweep(design, ["gap=0.2,0.3"], tmp_path / "built", scheduler=client,
                          options={"build": {"force": True}})
            assert built.ran == 2 and (tmp_path / "built" / "gap=0.3mm" / "layout.dxf").exists()
    assert (tmp_path / "dask" / "summary.csv").read_text() == (tmp_path / "serial" / "summary.csv").read_text()


def test_unreachable_scheduler_is_a_one_line_error(design, tmp_path):
    import dask

    from zmfab.errors import ZmfabError

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(ZmfabError, match="cannot connect"):
            sweep(design, ["gap=0.1"], tmp_path / "x", build=False, scheduler="tcp://127.0.0.1:1")
