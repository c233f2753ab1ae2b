"""A new user's broken scenario files: each exits 2 with one message naming file, field, rule and value, or
warns (the run is valid but probably not what was meant)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli.main import cli

CASES = {
 "01-typo-key": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop]\nend_dya = 120\n',
 "02-negative-days": 'name="t"\nextends="japan-3m-curb"\n[materials.ndpr]\ninventory_days = -5\n',
 "03-share-over-one": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop]\ncoverage = 1.5\n',
 "04-text-number": 'name="t"\nextends="japan-3m-curb"\n[run]\nhorizon_days = "a year"\n',
 "05-unknown-material": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop]\nmaterials = ["ndrp"]\n',
 "06-unknown-source": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop]\nsource = "chna"\n',
 "07-end-before-start": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop]\nstart_day = 50\nend_day = 10\n',
 "08-bad-toml": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop\nend_day = 10\n',
 "09-missing-kind": 'name="t"\nextends="japan-3m-curb"\n[policy.x]\nsource="china"\nmaterials=["ndpr"]\nstart_day=0\nend_day=10\n',
 "10-prior-low-high": 'name="t"\nextends="japan-3m-curb"\n[uncertainty]\n"policy.china_stop.leakage" = { dist = "uniform", low = 0.3, high = 0.1 }\n',
 "11-prior-unknown-field": 'name="t"\nextends="japan-3m-curb"\n[uncertainty]\n"policy.gone.leakage" = { dist = "uniform", low = 0, high = 0.1 }\n',
 "12-bad-extends": 'name="t"\nextends="japan-rare-earth"\n',
 "13-empty-policy": 'name="t"\nextends="japan-rare-earths"\n',
 "14-past-horizon": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop]\nend_day = 500\n',
 "15-huge-gdp-unit": 'name="t"\nextends="japan-3m-curb"\n[economy]\ngdp = 662.8\n',
 "16-nan": 'name="t"\nextends="japan-3m-curb"\n[materials.ndpr]\nprice = nan\n',
 "17-inf": 'name="t"\nextends="japan-3m-curb"\n[materials.ndpr]\nannual_demand = inf\n',
 "18-unknown-dist": 'name="t"\nextends="japan-3m-curb"\n[uncertainty]\n"materials.ndpr.price" = { dist = "gaussian", mean = 1, sd = 1 }\n',
 "19-fraction-days": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop]\nend_day = 90.5\n',
 "20-unknown-kind": 'name="t"\nextends="japan-3m-curb"\n[policy.china_stop]\nkind = "embargo"\n',
 "21-horizon-before-catch-up": 'name="t"\nextends="japan-3m-curb"\n[run]\nhorizon_days = 120\n',
}
WARN = {"13-empty-policy", "14-past-horizon", "15-huge-gdp-unit", "21-horizon-before-catch-up"}
"""Valid files that probably do not say what the user meant: a warning, exit 0."""


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_broken_file_exits_2_naming_the_field_or_warns(tmp_path: Path, name: str) -> None:
    f = tmp_path / f"{name}.toml"
    f.write_text(CASES[name], encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", str(f)])
    first = res.stderr.splitlines()[0] if res.stderr else ""
    if name in WARN:
        assert res.exit_code == 0 and first.startswith(f"warning: {f}: "), (name, res.stderr)
    else:
        assert res.exit_code == 2 and first.startswith(f"error: {f}: ") and "; got " in first, (name, res.stderr)
        assert len(res.stderr) < 600, (name, len(res.stderr))
