"""Input-output tables: an economy's CSV table in competitive-import form, or one region of a multi-regional table.

Both readers return an :class:`~simulator.model.schema_economy.IOTable`; a table that does not balance, lacks a
required row or column, or holds a cell that is not a number is refused with one message naming the file,
the row, column or sector and the value (the README's "CSV layout").
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from simulator.errors import InputError
from simulator.model.schema_economy import IOTable, MrioTable

__all__ = [
    "read_io_table",
    "read_mrio_table",
]

OUTSIDE_ROW, OUTSIDE_COLUMN = "ohcr", "ohcc"
"""Row and column of consumption expenditure outside households (business entertainment, ...):
not value added in the national accounts but intermediate consumption, so the table is read with
the column's purchases moved into intermediate use and the row left out of value added."""

EXPORT_COLUMN, HOUSEHOLD_COLUMN, COMPENSATION_ROW, TOTAL = "expo", "hhco", "epin", "Total"

IMPORT_COLUMNS = ("impo", "imta", "imtx")
"""Import columns (entered negative): imports, customs duties, commodity taxes on imports."""

BALANCE_TOLERANCE = 1e-3
"""A sector's row total, column total and stated output must agree within 0.1 %."""


def read_io_table(path: Path, shown: str = "") -> IOTable:
    """Read an input-output table from a CSV file (layout in the README, "Bring your own table").

    Competitive-import form, one currency unit throughout (``economy.io_unit``
    says how many currency units one table unit is). The first row names the
    columns, the first column the rows; lines starting with ``#`` are
    comments. Sector codes are the column names that are also row names.
    Other rows (except ``Total`` and ``ohcr``) are value added; ``epin`` among
    them is compensation of employees. Other columns (except ``Total``,
    ``expo``, the import columns ``impo``, ``imta``, ``imtx`` and ``ohcc``)
    are domestic final demand; ``hhco`` among them is household consumption.
    ``Total`` (row and column) is domestic output. Empty cells are 0.

    In named steps: :func:`_read_rows`, :func:`_layout`,
    :func:`_value_added`, :func:`_final_uses`, :func:`_outputs`,
    :func:`_outside_households`, :func:`_check_balance`,
    :func:`_reclassify_outside`; cells are read in the order of these steps,
    so the first broken cell in that order is the one named.

    Parameters
    ----------
    path : Path
    shown : str
        Name of the file in messages (default: the path).

    Raises
    ------
    InputError
        Naming the file, the row or column and the value: a missing ``Total``
        row or column or ``impo`` column, a cell that is not a number, an
        output that is not positive, a sector whose row total, column total
        and stated output differ by more than 0.1 %.
    """
    shown = shown or str(path)
    cells = _layout(_read_rows(path, shown), shown)
    z = np.array([cells.row(r) for r in cells.codes])
    va, comp = _value_added(cells)
    dfd, hh, ex, im = _final_uses(cells)
    out_col, out_row = _outputs(cells)
    outside_in, outside_out = _outside_households(cells)
    row_sum = z.sum(axis=1) + dfd + outside_out + ex - im
    col_sum = z.sum(axis=0) + va + outside_in
    _check_balance(cells, out_col, out_row, row_sum, col_sum)
    z, dfd = _reclassify_outside(cells, z, dfd, outside_in, outside_out)
    return IOTable(
        codes=tuple(cells.codes),
        intermediate=z,
        value_added=va,
        compensation=comp,
        household_consumption=hh,
        domestic_final_demand=dfd,
        exports=ex,
        imports=im,
        output=out_col,
    )


def _read_rows(path: Path, shown: str) -> list[list[str]]:
    """The CSV file's rows, comment lines (first cell starting with ``#``) and empty lines left out.

    Raises
    ------
    InputError
        Naming ``shown``: the file cannot be read, is not UTF-8, or holds no row.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    except OSError as exc:
        raise InputError(shown, "economy.io_table", "must be a readable CSV file", exc.strerror) from None
    except UnicodeDecodeError:
        raise InputError(shown, "economy.io_table", "must be UTF-8 text", "undecodable bytes") from None
    if not rows:
        raise InputError(shown, "(file)", "must hold a header row and sector rows", "an empty file")
    return rows


class _Cells(NamedTuple):
    """A CSV table's layout (:func:`_layout`) and its cells as numbers.

    Attributes
    ----------
    shown : str
        The file as named in messages.
    header : list of str
        The column names, in file order.
    body : dict
        Row name -> its cells (the first column left out), in file order.
    col : dict
        Column name -> its index in a row's cells.
    codes : list of str
        The sector codes (column names that are also row names, but ``Total``), in column order.
    """

    shown: str
    header: list[str]
    body: dict[str, list[str]]
    col: dict[str, int]
    codes: list[str]

    def num(self, r: str, c: str) -> float:
        """Cell of row r, column c as a number (an empty or missing cell is 0).

        Raises
        ------
        InputError
            Naming the row and column: the cell is not a number, or not finite.
        """
        cells = self.body[r]
        i = self.col[c]
        x = cells[i].strip() if i < len(cells) else ""
        if not x:
            return 0.0
        try:
            v = float(x)
        except ValueError:
            raise InputError(self.shown, f"row {r}, column {c}", "must be a number", x) from None
        if not np.isfinite(v):
            raise InputError(self.shown, f"row {r}, column {c}", "must be finite", x)
        return v

    def row(self, name: str) -> np.ndarray:
        """Row ``name``'s cells in the sectors' columns, (n,), read in column order (:meth:`num`)."""
        return np.array([self.num(name, c) for c in self.codes])

    def column(self, name: str) -> np.ndarray:
        """Column ``name``'s cells in the sectors' rows, (n,), read in row order (:meth:`num`)."""
        return np.array([self.num(r, name) for r in self.codes])


def _layout(rows: list[list[str]], shown: str) -> _Cells:
    """The layout of a table's ``rows`` (:func:`_read_rows`): header, rows by name, columns, sector codes.

    Raises
    ------
    InputError
        Naming ``shown``, in this order: a row name that appears twice; a missing ``Total`` or ``impo``
        column; a missing ``Total`` row; no sector code (no column name that is also a row name).
    """
    header = [c.strip() for c in rows[0][1:]]
    body: dict[str, list[str]] = {}
    for r in rows[1:]:
        name = r[0].strip()
        if name in body:
            raise InputError(shown, f"row {name}", "must appear once", "a second row")
        body[name] = r[1:]
    col = {c: i for i, c in enumerate(header)}
    for need in (TOTAL, "impo"):
        if need not in col:
            what = "domestic output" if need == TOTAL else "imports, entered negative"
            raise InputError(shown, f"column {need}", f"is required ({what})", "missing")
    if TOTAL not in body:
        raise InputError(shown, f"row {TOTAL}", "is required (domestic output)", "missing")
    codes = [c for c in header if c in body and c != TOTAL]
    if not codes:
        raise InputError(shown, "(sectors)", "must have sector codes as both column and row names", "none in common")
    return _Cells(shown, header, body, col, codes)


def _value_added(cells: _Cells) -> tuple[np.ndarray, np.ndarray]:
    """Each sector's value added (the sum of the rows that are not a sector, ``Total`` or ``ohcr``, in file
    order) and compensation of employees (row ``epin``, else 0), (n,) each.

    Raises
    ------
    InputError
        There is no value-added row; a cell of one is not a finite number (:meth:`_Cells.num`).
    """
    n = len(cells.codes)
    va_rows = [r for r in cells.body if r not in cells.codes and r not in (TOTAL, OUTSIDE_ROW)]
    if not va_rows:
        raise InputError(cells.shown, "(value added)", "needs at least one value-added row (a row that is not a sector or Total)", "none")
    va = sum((cells.row(r) for r in va_rows), np.zeros(n))
    comp = cells.row(COMPENSATION_ROW) if COMPENSATION_ROW in cells.body else np.zeros(n)
    return va, comp


def _final_uses(cells: _Cells) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each sector's domestic final demand (the sum of the columns that are not a sector, ``Total``, ``expo``,
    an import column or ``ohcc``), household consumption (``hhco``), exports (``expo``) and imports (the import
    columns, entered negative, turned positive), (n,) each; a missing column is 0.

    Raises
    ------
    InputError
        A cell read is not a finite number (:meth:`_Cells.num`), in that order of columns.
    """
    n, col = len(cells.codes), cells.col
    fd_cols = [c for c in cells.header
               if c not in cells.codes and c not in (TOTAL, EXPORT_COLUMN, *IMPORT_COLUMNS, OUTSIDE_COLUMN)]
    dfd = sum((cells.column(c) for c in fd_cols), np.zeros(n))
    hh = cells.column(HOUSEHOLD_COLUMN) if HOUSEHOLD_COLUMN in col else np.zeros(n)
    ex = cells.column(EXPORT_COLUMN) if EXPORT_COLUMN in col else np.zeros(n)
    im = -sum((cells.column(c) for c in IMPORT_COLUMNS if c in col), np.zeros(n))
    return dfd, hh, ex, im


def _outputs(cells: _Cells) -> tuple[np.ndarray, np.ndarray]:
    """Each sector's domestic output as the ``Total`` column states it and as the ``Total`` row does, (n,) each.

    Raises
    ------
    InputError
        A cell is not a finite number (:meth:`_Cells.num`); then, sector by sector, an output that is not
        positive (the column's before the row's).
    """
    out_col = cells.column(TOTAL)
    out_row = cells.row(TOTAL)
    for i, c in enumerate(cells.codes):
        if out_col[i] <= 0:
            raise InputError(cells.shown, f"row {c}, column {TOTAL}", "domestic output must be > 0", _g(out_col[i]))
        if out_row[i] <= 0:
            raise InputError(cells.shown, f"row {TOTAL}, column {c}", "domestic output must be > 0", _g(out_row[i]))
    return out_col, out_row


def _outside_households(cells: _Cells) -> tuple[np.ndarray, np.ndarray]:
    """Consumption expenditure outside households: each sector's purchases (row ``ohcr``) and sales (column
    ``ohcc``), (n,) each; a missing row or column is 0.

    Raises
    ------
    InputError
        A cell is not a finite number (:meth:`_Cells.num`).
    """
    n = len(cells.codes)
    outside_in = cells.row(OUTSIDE_ROW) if OUTSIDE_ROW in cells.body else np.zeros(n)
    outside_out = cells.column(OUTSIDE_COLUMN) if OUTSIDE_COLUMN in cells.col else np.zeros(n)
    return outside_in, outside_out


def _check_balance(cells: _Cells, out_col: np.ndarray, out_row: np.ndarray, row_sum: np.ndarray,
                   col_sum: np.ndarray) -> None:
    """Check each sector's output (the ``Total`` column, ``out_col``) against the ``Total`` row (``out_row``),
    its row's entries (``row_sum``) and its column's entries (``col_sum``), (n,) each.

    Raises
    ------
    InputError
        At the first sector, and the first of the three in that order, differing by more than
        :data:`BALANCE_TOLERANCE` of the output.
    """
    for i, c in enumerate(cells.codes):
        x = out_col[i]
        for what, got in (("the Total row", out_row[i]), ("its row's entries", row_sum[i]), ("its column's entries", col_sum[i])):
            if abs(got - x) > BALANCE_TOLERANCE * abs(x):
                raise InputError(cells.shown, f"sector {c}", f"must balance within 0.1 %: output (Total column) {_g(x)} "
                                 f"vs sum of {what}", _g(got))


def _reclassify_outside(cells: _Cells, z: np.ndarray, dfd: np.ndarray, outside_in: np.ndarray,
                        outside_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The intermediate use ``z`` (n, n) and domestic final demand ``dfd`` (n,) with consumption expenditure
    outside households (:func:`_outside_households`) reclassified.

    It is intermediate consumption in the national accounts: with both the row and the column, the column's
    purchases become inputs of each sector in proportion to its row entry; with the column only, it is an
    ordinary final-demand column; with neither, nothing changes.

    Raises
    ------
    InputError
        The row has entries but the column does not.
    """
    if outside_in.sum() > 0 and outside_out.sum() > 0:
        # consumption expenditure outside households is intermediate consumption in the national
        # accounts: the column's purchases become inputs of each sector in proportion to its row entry
        z = z + np.outer(outside_out, outside_in) / outside_in.sum()
    elif outside_out.sum() > 0:
        dfd = dfd + outside_out  # no outside-households row: an ordinary final-demand column
    elif outside_in.sum() > 0:
        raise InputError(cells.shown, f"column {OUTSIDE_COLUMN}", f"is required with row {OUTSIDE_ROW} "
                         "(consumption expenditure outside households is reclassified as intermediate use)", "missing")
    return z, dfd


def read_mrio_table(ref: MrioTable, path: Path, shown: str) -> IOTable:
    """One region of a multi-regional table read by pymrio, as a competitive-import table.

    For region r: intermediate use of each product by r's sectors from every
    origin (``intermediate``) and from r itself (``domestic_intermediate``,
    the domestic block, used as is); final demand of r from every origin
    except export categories (``domestic_final_demand``); imports = r's
    intermediate and final use of other regions' products; exports = sales
    of r's products to other regions plus r's export categories; output = r's
    row totals; value added = output less all intermediate inputs (so
    columns balance whatever the source's factor-input rows). Sectors with
    no output in r are left out. Compensation is not read (the household
    linkage needs a CSV table).

    In named steps: :func:`_load_mrio`, :func:`_region`, :func:`_region_uses`, :func:`_region_sales`,
    :func:`_producing_sectors`.

    Parameters
    ----------
    ref : MrioTable
    path : Path
        The table (file or folder) to pass to pymrio.
    shown : str
        File named in messages (the scenario file that set it).
    """
    z, y = _load_mrio(ref, path, shown)
    r = _region(z, ref, shown)
    uses = _region_uses(z, y, r)
    exports, output = _region_sales(z, y, r)
    return _producing_sectors(uses, exports, output, r, shown)


def _load_mrio(ref: MrioTable, path: Path, shown: str) -> tuple[Any, Any]:
    """The table's ``Z`` (intermediate use) and ``Y`` (final demand), pandas frames indexed (region, sector)
    on rows and (region, sector or category) on columns, as pymrio reads ``path`` in ``ref.format``.

    Raises
    ------
    InputError
        Naming ``shown``: pymrio is not installed; it cannot read the table; the table lacks Z or Y.
    """
    try:
        import pymrio
    except ImportError:
        raise InputError(shown, "economy.io_table.mrio", "needs the pymrio package (pip install 'supplyshock[mrio]')", ref.mrio) from None
    try:
        if ref.format == "pymrio":
            mrio = pymrio.load_all(path)
        else:
            parser = getattr(pymrio, f"parse_{ref.format}")
            mrio = parser(path, year=ref.year) if ref.format in ("oecd", "wiod", "eora26") else parser(path)
    except Exception as exc:  # pymrio raises many kinds of errors on files it cannot read
        raise InputError(shown, "economy.io_table.mrio", f"must be a table pymrio can read as format {ref.format!r} ({type(exc).__name__}: {exc})",
                         ref.mrio) from None
    z, y = mrio.Z, mrio.Y
    if z is None or y is None:
        raise InputError(shown, "economy.io_table.mrio", "must hold Z and Y (intermediate and final demand)", ref.mrio)
    return z, y


def _region(z: Any, ref: MrioTable, shown: str) -> str:
    """``ref.region``, checked to be one of the regions of ``Z``'s rows.

    Raises
    ------
    InputError
        Naming ``shown`` and listing the table's regions: it is not one.
    """
    regions = [str(r) for r in z.index.get_level_values(0).unique()]
    r = ref.region
    if r not in regions:
        raise InputError(shown, "economy.io_table.region", "must be a region of the table (" + ", ".join(regions) + ")", r)
    return r


class _RegionUses(NamedTuple):
    """What region r's sectors and final demand use (:func:`_region_uses`), by product, in r's sector order.

    Attributes
    ----------
    sectors : list of str
        r's sectors (every sector of the table), in column order.
    intermediate, domestic_intermediate : ndarray, shape (n, n)
        Intermediate use of each product (row) by each of r's sectors (column): from every origin, from r.
    final_demand, household : ndarray, shape (n,)
        r's final demand for each product from every origin, but its export categories; its households' part.
    imports : ndarray, shape (n,)
        r's intermediate and final use of each product from other regions.
    """

    sectors: list[str]
    intermediate: np.ndarray
    domestic_intermediate: np.ndarray
    final_demand: np.ndarray
    household: np.ndarray
    imports: np.ndarray


def _by_product(frame: Any, product: Any, sectors: Any) -> np.ndarray:
    """The rows of ``frame`` summed by ``product`` (its rows' sector), in the order ``sectors``, as float64."""
    return frame.groupby(product, sort=False).sum().reindex(sectors).to_numpy(dtype=np.float64)


def _region_uses(z: Any, y: Any, r: str) -> _RegionUses:
    """Region r's intermediate and final use of each product, from every origin, from r and from abroad.

    ``z`` and ``y``: the table's Z and Y (:func:`_load_mrio`). Final demand categories whose name says
    "export" are left out; household consumption is the categories whose name says "household".
    """
    zr = z.xs(r, axis=1, level=0)  # every origin -> r's sectors
    sectors = [str(c) for c in zr.columns]
    origin = z.index.get_level_values(0).astype(str)
    product = z.index.get_level_values(1)
    z_total = _by_product(zr, product, zr.columns)
    z_dom = zr[origin == r].to_numpy(dtype=np.float64)
    yr = y.xs(r, axis=1, level=0)
    export_cat = np.array(["export" in str(c).lower() for c in yr.columns])
    y_use = yr.loc[:, ~export_cat]
    fd_total = _by_product(y_use, product, zr.columns).sum(axis=1)
    hh_cols = [c for c in y_use.columns if "household" in str(c).lower()]
    hh = _by_product(y_use[hh_cols], product, zr.columns).sum(axis=1)
    foreign = origin != r
    imports = (_by_product(zr[foreign], product[foreign], zr.columns).sum(axis=1)
               + _by_product(y_use[foreign], product[foreign], zr.columns).sum(axis=1))
    return _RegionUses(sectors, z_total, z_dom, fd_total, hh, imports)


def _region_sales(z: Any, y: Any, r: str) -> tuple[np.ndarray, np.ndarray]:
    """Region r's exports (sales to other regions, plus to r's own final demand categories whose name says
    "export") and output (all sales, its row totals) of each of its sectors, (n,) each."""
    origin = z.index.get_level_values(0).astype(str)
    own_rows = origin == r
    sales = z[own_rows].to_numpy(dtype=np.float64)
    dest_z = z.columns.get_level_values(0).astype(str)
    dest_y = y.columns.get_level_values(0).astype(str)
    y_own = y[own_rows].to_numpy(dtype=np.float64)
    y_export = np.array([d != r or "export" in str(c).lower() for d, c in zip(dest_y, y.columns.get_level_values(1), strict=True)])
    exports = sales[:, dest_z != r].sum(axis=1) + y_own[:, y_export].sum(axis=1)
    output = sales.sum(axis=1) + y_own.sum(axis=1)
    return exports, output


def _producing_sectors(uses: _RegionUses, exports: np.ndarray, output: np.ndarray, r: str, shown: str) -> IOTable:
    """Region r's table of the sectors with output > 0: value added is output less all intermediate inputs,
    and the inputs from the sectors left out count as value added.

    Raises
    ------
    InputError
        Naming ``shown``: no sector of r has output > 0.
    """
    z_total = uses.intermediate
    va = output - z_total.sum(axis=0)
    keep = output > 0
    if not keep.any():
        raise InputError(shown, "economy.io_table.region", "must have sectors with output > 0", r)
    k = np.flatnonzero(keep)
    return IOTable(
        codes=tuple(uses.sectors[i] for i in k),
        intermediate=z_total[np.ix_(k, k)],
        value_added=va[k] + z_total[np.ix_(np.flatnonzero(~keep), k)].sum(axis=0),
        compensation=np.zeros(k.size),
        household_consumption=uses.household[k],
        domestic_final_demand=uses.final_demand[k],
        exports=exports[k],
        imports=uses.imports[k],
        output=output[k],
        domestic_intermediate=uses.domestic_intermediate[np.ix_(k, k)],
    )


def _g(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)
