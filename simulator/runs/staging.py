"""Staged writes, the store's foundation: a file or a directory is written beside its place and renamed into it.

A file (:func:`write_file`) goes to a temporary sibling, is flushed to disk and renamed onto its name, so it
is its old contents, absent, or complete, also after a crash. A results directory (:func:`staged_dir`) is
written into a marked temporary sibling directory and renamed into place whole; temporaries of a writer
that died are removed (:func:`clean_stale_temporaries`, :func:`remove_partial_files`).

Use these through :mod:`simulator.runs.store`, which owns every file a command writes.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from simulator.errors import PARAMETER, InputError

__all__ = [
    "MARKER",
    "OLD_TAG",
    "TMP_FILE",
    "TMP_TAG",
    "check_out_dir",
    "clean_stale_temporaries",
    "listing",
    "remove_partial_files",
    "staged_dir",
    "write_file",
    "write_json",
    "write_results_dir",
]


TMP_TAG = ".supplyshock-tmp-"
"""Part of the name of a results directory being written: ``.<out>.supplyshock-tmp-<pid>-<random>``."""

OLD_TAG = ".supplyshock-old-"
"""Part of the name of a replaced results directory, until the new one is in place."""

MARKER = ".supplyshock-partial"
"""File inside a directory being written: who is writing it (JSON: pid, host, out)."""

TMP_FILE = ".tmp-"
"""Start of the name of a file being written, beside it (``.tmp-<name>-<pid>-<random>``: it does not end as the
file does, so a glob for the finished files never sees it): never read; what a killed writer left is removed
(:func:`remove_partial_files`)."""


# ------------------------------------------------------------------ files


def write_file(path: str | os.PathLike[str], content: str | bytes | Callable[[Path], None]) -> None:
    """Write one file atomically and durably: the store's one way to write a file.

    The content goes to a temporary sibling (:data:`TMP_FILE`; its name does not end in ``path``'s suffix, so
    a writer that reads the format off the suffix must be told it, e.g. ``savefig(p, format="png")``), is
    flushed to disk (fsync) and renamed onto ``path``; the directory is then flushed too. A reader sees the old file (or none) or the complete new one, also after
    a crash. On an error (or an interrupt) the temporary is removed and ``path`` is untouched.

    Parameters
    ----------
    path : path
        The file; its directory must exist.
    content : str, bytes or callable
        Text (written as UTF-8), bytes, or a function that writes the file at the path it is given
        (e.g. ``lambda p: fig.savefig(p, format="png")``).
    """
    path = Path(path)
    tmp = path.with_name(f"{TMP_FILE}{path.name}-{os.getpid()}-{secrets.token_hex(3)}")
    try:
        if callable(content):
            content(tmp)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            with open(tmp, "wb") as fh:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)


def write_json(path: str | os.PathLike[str], doc: Any, *, indent: int | None = 2, newline: bool = False) -> None:
    """Write ``doc`` as JSON (:func:`write_file`), indented by ``indent`` (None: on one line), with a final newline if ``newline``."""
    write_file(path, json.dumps(doc, indent=indent) + ("\n" if newline else ""))


def _sync_dir(directory: Path) -> None:
    """Flush a directory's entries (a rename into it) to disk, where the system allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. a directory cannot be opened on Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_partial_files(directory: Path) -> list[Path]:
    """Remove what writers killed mid-file left under ``directory`` (:data:`TMP_FILE` files); return them."""
    gone = [f for f in Path(directory).rglob(f"{TMP_FILE}*") if f.is_file()]
    for f in gone:
        f.unlink(missing_ok=True)
    return gone


def listing(directory: Path) -> list[str]:
    """The names in a (staged) results directory, sorted, without the store's marker and partial files."""
    return sorted(p.name for p in Path(directory).iterdir() if p.name != MARKER and not p.name.startswith(TMP_FILE))


# ------------------------------------------------------------------ directories


def check_out_dir(out: Path, overwrite: bool = False) -> None:
    """Refuse an ``out`` that is a file, or a non-empty directory without ``overwrite``.

    Raises
    ------
    InputError
        Of :data:`~simulator.errors.PARAMETER`, naming ``out``.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(PARAMETER, "out", "must be a directory or not exist (it is a file)", str(out))
    if out.is_dir() and not overwrite and any(out.iterdir()):
        raise InputError(PARAMETER, "out", "is a directory that is not empty; use `overwrite=True` to replace it", str(out))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_of(name: str, tag: str) -> int | None:
    try:
        return int(name.split(tag, 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return None


def clean_stale_temporaries(out: Path) -> list[Path]:
    """Remove what killed runs left beside ``out``; return what was removed or restored.

    Only directories this module made are touched: a temporary is removed only
    if its name is ``.<out>.supplyshock-tmp-<pid>-...``, it holds the marker
    file naming this host and that pid, and that process is gone. A replaced
    directory (``.<out>.supplyshock-old-<pid>-...``) whose process is gone is
    put back as ``out`` if ``out`` is missing (the run was killed between the
    two renames), else removed (the new results are in place).
    """
    out = Path(out)
    parent = out.absolute().parent
    done: list[Path] = []
    if not parent.is_dir():
        return done
    host = socket.gethostname()
    for p in parent.glob(f".{out.name}{TMP_TAG}*"):
        pid = _pid_of(p.name, TMP_TAG)
        marker = p / MARKER
        if pid is None or not p.is_dir() or not marker.is_file():
            continue
        try:
            info = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        if info.get("pid") == pid and info.get("host") == host and not _alive(pid):
            shutil.rmtree(p, ignore_errors=True)
            done.append(p)
    for p in parent.glob(f".{out.name}{OLD_TAG}*"):
        pid = _pid_of(p.name, OLD_TAG)
        if pid is None or not p.is_dir() or _alive(pid):
            continue
        if not out.exists():
            os.rename(p, out)
        else:
            shutil.rmtree(p, ignore_errors=True)
        done.append(p)
    return done


@contextlib.contextmanager
def staged_dir(out: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary directory beside ``out`` that becomes ``out`` in one rename when the block ends.

    On entry: ``out`` is checked (:func:`check_out_dir`), stale temporaries of
    killed runs are cleaned (:func:`clean_stale_temporaries`) and a marked
    temporary directory is made. Write files into the yielded path. On a
    normal exit the directory is renamed to ``out``; with ``overwrite`` an
    existing ``out`` is first renamed aside and removed only once the new one
    is in place. On any exception (including ``KeyboardInterrupt``) the
    temporary is removed and ``out`` is untouched.

    Parameters
    ----------
    out : Path
        Target directory (must not exist, or be empty, unless ``overwrite``).
    overwrite : bool
        Replace an existing non-empty ``out``.

    Raises
    ------
    InputError
        If ``out`` is refused, or another run wrote it meanwhile.
    """
    out = Path(out)
    check_out_dir(out, overwrite)
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(out)
    pid = os.getpid()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{TMP_TAG}{pid}-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the results directory gets the usual mode, as a sweep's does
    try:
        write_json(tmp / MARKER, {"pid": pid, "host": socket.gethostname(), "out": str(out)}, indent=None)
        yield tmp
        (tmp / MARKER).unlink()
        _into_place(tmp, out, overwrite)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _into_place(tmp: Path, out: Path, overwrite: bool) -> None:
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:  # another run finished first
            raise InputError(PARAMETER, "out", "was written by another run meanwhile; use `overwrite=True` to replace it", str(out))
        old = tmp.parent / f".{out.name}{OLD_TAG}{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except OSError:
            os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        try:
            os.rename(tmp, out)  # replaces a missing or empty directory in one step
        except OSError as exc:
            raise InputError(PARAMETER, "out", "could not be renamed into place (written by another run meanwhile?)",
                             f"{out}: {exc.strerror}") from None
    _sync_dir(out.absolute().parent)


def write_results_dir(out: Path, writers: Mapping[str, Callable[[Path], None]], *, overwrite: bool = False) -> None:
    """Write a results directory atomically.

    Every file is written (:func:`write_file`) into a temporary directory beside ``out``
    (:func:`staged_dir`), which is then renamed to ``out`` in one step. An
    error or an interrupt while writing leaves ``out`` as it was and nothing
    beside it.

    Parameters
    ----------
    out : Path
        Target directory (must not exist, or be empty, unless ``overwrite``).
    writers : mapping
        File name -> function that writes that file at the path it is given.
    overwrite : bool
        Replace an existing non-empty ``out``.
    """
    with staged_dir(Path(out), overwrite=overwrite) as tmp:
        for name, write in writers.items():
            write_file(tmp / name, write)


