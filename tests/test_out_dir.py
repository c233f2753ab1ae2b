"""``--out`` never destroys anything: staged directory, one rename, refusal, cleanup, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli.main import cli
from simulator.runs.store import MARKER, OLD_TAG, TMP_TAG, clean_stale_temporaries, staged_dir, write_results_dir

SMALL = ["--paths", "20", "--block-size", "20", "--quiet"]


def _run(*args: str | Path) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["run", *[str(a) for a in args]])
    return res.exit_code, res.stderr


def _beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def test_refuses_a_non_empty_out_and_keeps_the_users_file(tmp_path: Path) -> None:
    out = tmp_path / "res"
    out.mkdir()
    (out / "summary.json").write_text("mine")
    code, err = _run(*SMALL, "--out", out)
    assert code == 2
    assert err.strip() == f"error: option: --out: is a directory that is not empty; use --overwrite to replace it; got '{out}'"
    assert (out / "summary.json").read_text() == "mine"
    assert _beside(out) == []


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "res"
    out.write_text("x")
    code, err = _run(*SMALL, "--out", out)
    assert code == 2 and "--out" in err and "is a file" in err
    assert out.read_text() == "x"


def test_empty_out_is_filled_and_overwrite_replaces_in_one_step(tmp_path: Path) -> None:
    out = tmp_path / "res"
    out.mkdir()
    assert _run(*SMALL, "--out", out)[0] == 0
    first = json.loads((out / "summary.json").read_text())
    (out / "note.txt").write_text("stale")
    assert _run(*SMALL, "--seed", "5", "--out", out, "--overwrite")[0] == 0
    assert not (out / "note.txt").exists(), "the old directory is replaced as a whole, not file by file"
    assert json.loads((out / "summary.json").read_text())["seed"] == 5 != first["seed"]
    assert _beside(out) == []


def test_error_while_writing_leaves_out_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "res"
    out.mkdir()
    (out / "a.txt").write_text("old")

    def boom(p: Path) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_results_dir(out, {"a.txt": lambda p: p.write_text("new"), "b.txt": boom}, overwrite=True)
    assert (out / "a.txt").read_text() == "old"
    assert _beside(out) == []


def test_cleaner_removes_only_its_own_dead_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "res"
    dead = _dead_pid()
    host = socket.gethostname()

    def tmp(name: str, pid: int | None, marker_pid: int | None) -> Path:
        d = tmp_path / name
        d.mkdir()
        if marker_pid is not None:
            (d / MARKER).write_text(json.dumps({"pid": marker_pid, "host": host, "out": str(out)}))
        return d

    stale = tmp(f".res{TMP_TAG}{dead}-abc", dead, dead)
    live = tmp(f".res{TMP_TAG}{os.getpid()}-abc", os.getpid(), os.getpid())
    unmarked = tmp(f".res{TMP_TAG}{dead}-xyz", dead, None)  # not ours: no marker
    other = tmp(f".other{TMP_TAG}{dead}-abc", dead, dead)  # another --out's
    assert clean_stale_temporaries(out) == [stale]
    assert not stale.exists() and live.exists() and unmarked.exists() and other.exists()


def test_cleaner_puts_back_a_replaced_directory_when_killed_between_renames(tmp_path: Path) -> None:
    out = tmp_path / "res"
    old = tmp_path / f".res{OLD_TAG}{_dead_pid()}-0000"
    old.mkdir()
    (old / "summary.json").write_text("mine")
    clean_stale_temporaries(out)
    assert (out / "summary.json").read_text() == "mine" and not old.exists()


def test_staged_dir_removes_its_temporary_on_interrupt(tmp_path: Path) -> None:
    out = tmp_path / "res"
    with pytest.raises(KeyboardInterrupt), staged_dir(out) as tmp:
        (tmp / "x").write_text("1")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _start_long_run(out: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """A SimPy run far too long to finish; returns once its staged directory exists."""
    proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", "run", "--engine", "simpy", "--paths", "100000",
                             "--quiet", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = list(out.parent.glob(f".{out.name}{TMP_TAG}{proc.pid}-*"))
        if found:
            time.sleep(0.5)  # into the simulation
            return proc, found[0]
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"run did not start: {proc.communicate()}")


def test_ctrl_c_mid_run_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "res"
    proc, _ = _start_long_run(out)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert err.decode().strip().endswith("interrupted: nothing written")
    assert "Aborted" not in err.decode() and "Traceback" not in err.decode()
    assert list(tmp_path.iterdir()) == []


def test_sigterm_mid_run_exits_143_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "res"
    proc, _ = _start_long_run(out)
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    assert err.decode().strip().endswith("terminated: nothing written")
    assert list(tmp_path.iterdir()) == []


def test_sigkill_leaves_a_temporary_that_the_next_run_cleans(tmp_path: Path) -> None:
    out = tmp_path / "res"
    proc, tmp = _start_long_run(out)
    proc.kill()
    proc.communicate(timeout=60)
    assert tmp.is_dir() and (tmp / MARKER).is_file() and not out.exists()
    assert _run(*SMALL, "--out", out)[0] == 0
    assert not tmp.exists()
    assert (out / "summary.json").is_file() and _beside(out) == []


def test_two_runs_into_one_out_do_not_mix(tmp_path: Path) -> None:
    from simulator.errors import InputError

    out = tmp_path / "res"
    with pytest.raises(InputError, match="written by another run meanwhile"), staged_dir(out) as second:
        (second / "summary.json").write_text("second")
        with staged_dir(out) as first:  # starts later, finishes first
            (first / "summary.json").write_text("first")
    assert (out / "summary.json").read_text() == "first"
    assert _beside(out) == []


def test_results_directory_gets_the_usual_mode_not_the_temporary_0700(tmp_path: Path) -> None:
    out = tmp_path / "res"
    r = subprocess.run([sys.executable, "-m", "simulator.cli", "run", "gallium-stop", "--paths", "20", "--quiet", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask
