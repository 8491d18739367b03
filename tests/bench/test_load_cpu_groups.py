"""bench/load.py's CPU caps (``--cpu-per-process``): the quota from the share of a core, a clear
failure without the cgroup-v1 controller, and the group removed after a failed set-up. Pure: a
folder stands for the controller's mount (the real one needs root)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import CpuGroup, cpu_quota_us


def test_the_quota_is_the_share_of_a_core_per_period() -> None:
    assert cpu_quota_us(0.4, 100_000) == 40_000
    assert cpu_quota_us(1.5, 100_000) == 150_000                  # more than one core: several CPUs' time
    assert cpu_quota_us(0.4, 250_000) == 100_000
    assert cpu_quota_us(0.001, 100_000) == 1_000                  # the kernel's floor
    for wrong in (0.0, -0.5, 65.0):
        with pytest.raises(ValueError):
            cpu_quota_us(wrong, 100_000)


def test_no_controller_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no cgroup-v1 CPU controller"):
        CpuGroup.create(tmp_path, "cc-load-test", 0.4)
    assert list(tmp_path.iterdir()) == []


def test_a_group_that_cannot_be_set_up_is_removed(tmp_path: Path) -> None:
    # A plain folder has no cpu.cfs_period_us inside the new group, as a real mount would: the
    # set-up fails, and the group it made is gone.
    (tmp_path / "cpu.cfs_period_us").write_text("100000\n")
    with pytest.raises(SystemExit, match="cannot set up the CPU group"):
        CpuGroup.create(tmp_path, "cc-load-test", 0.4)
    assert not (tmp_path / "cc-load-test").exists()


def test_removing_a_group_moves_what_is_left_to_the_parent(tmp_path: Path) -> None:
    group = tmp_path / "cc-load-test"
    group.mkdir()
    (group / "cgroup.procs").write_text("4242\n")
    CpuGroup(group).remove()
    assert (tmp_path / "cgroup.procs").read_text() == "4242"
    CpuGroup(tmp_path / "absent").remove()                        # nothing to remove: no error
