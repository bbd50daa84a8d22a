"""The architecture, held: the import contracts (layers, the network only in studio/, no
cycle), and every offline command runs where httpx and the SDK cannot be imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from builders import write_export

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
NETWORK = ("httpx", "label_studio_sdk", "label_studio")


def test_the_import_contracts_hold():
    """pyproject.toml's import-linter contracts: the layers in order, the network only in
    studio/ (and the cli and sync above it), no import cycle even for type checking."""
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                            cwd=PACKAGE.parent, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_folders_are_the_architecture():
    packages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert packages == ["cli", "gold", "ingest", "lsformat", "pulls", "quality", "records",
                        "report", "schema", "stats", "store", "studio"]
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert modules == ["__init__.py", "__main__.py", "errors.py", "publish.py", "settings.py",
                       "sync.py", "watch.py"]


# A Python that cannot import the network: what a `pip install workbench` without extras is.
BLOCKER = f"""
import importlib.abc, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == n or name.startswith(n + ".") for n in {NETWORK!r}):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Blocked())
"""


def _offline(code: str, cwd: Path, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess:
    import os

    environment = {**os.environ, "WORKBENCH_HOME": str(cwd / "home"),
                   "WORKBENCH_EXPORTS": str(cwd / "exports"), **(env or {})}
    return subprocess.run([sys.executable, "-c", BLOCKER + code], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=300)


def _cli(args: list[str]) -> str:
    return ("import sys\nfrom workbench.cli import cli\n"
            f"sys.exit(cli.main({args!r}, prog_name='workbench', standalone_mode=True))")


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return write_export(tmp_path_factory.mktemp("layout") / "export.json", 30)


def test_the_public_api_imports_without_the_network(tmp_path):
    result = _offline("import workbench, sys\n"
                      "names = [n for n in workbench.__all__ if n != 'load_gold' and "
                      "n != 'diff_versions']\n"
                      "[getattr(workbench, n) for n in names]\n"
                      "from workbench import load_gold, diff_versions\n"
                      "print(sorted(m for m in sys.modules if m.split('.')[0] in "
                      "('httpx', 'label_studio_sdk', 'label_studio')))", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("command", [
    ["schema", "--check", "--dir", "LABEL_CONFIGS"],
    ["ingest", "SEEDS"],
    ["validate", "--export", "EXPORT"],
    ["agreement", "--export", "EXPORT"],
    ["adjudicate", "--export", "EXPORT"],
    ["export", "--export", "EXPORT"],
    ["report", "--export", "EXPORT"],
])
def test_every_offline_command_runs_without_the_network(command, export, tmp_path, seeds_dir):
    where = {"EXPORT": str(export), "SEEDS": str(seeds_dir),
             "LABEL_CONFIGS": str(seeds_dir.parent / "label_configs")}
    result = _offline(_cli([where.get(part, part) for part in command]), tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr  # validate exits 1 on findings
    assert "Error:" not in result.stderr, result.stderr


def test_export_then_load_gold_and_diff_without_the_network(export, tmp_path):
    code = ("import json\nfrom pathlib import Path\n"
            "from workbench import load_gold, diff_versions\n"
            "from workbench.gold.write import write_gold\n"
            "from workbench.settings import Settings\n"
            f"written = write_gold(Settings(), export=Path({str(export)!r}))\n"
            "frame = load_gold('exports/gold')\n"
            "print(json.dumps({'written': written.articles, 'loaded': len(frame), "
            "'train': len(load_gold('exports/gold', split='train')), "
            "'added': diff_versions('exports/gold', written.version).added}))")
    result = _offline(code, tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["loaded"] == shown["written"] > 0
    assert 0 < shown["train"] < shown["loaded"] and shown["added"] == []


@pytest.mark.parametrize("command, extra", [
    (["pull"], "studio"),
    (["push", "--dry-run"], "studio"),
    (["review", "pull"], "studio"),
    (["annotators", "list"], "studio"),
    (["sync"], "studio"),
])
def test_a_command_that_needs_a_missing_extra_says_which(command, extra, tmp_path):
    result = _offline(_cli(command), tmp_path, env={
        "WORKBENCH_LABEL_STUDIO_URL": "http://127.0.0.1:9", "WORKBENCH_LABEL_STUDIO_API_KEY": "x"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == (f"Error: talking to Label Studio needs the '{extra}' extra: "
                         f"pip install 'workbench[{extra}]'"), result.stderr


def test_the_managed_server_without_label_studio_says_which_extra(tmp_path):
    result = _offline(_cli(["server", "start"]), tmp_path, env={"WORKBENCH_PORT": "9"})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: running the managed Label Studio needs the 'server' extra: pip install "
        "'workbench[server]' (or set WORKBENCH_LABEL_STUDIO_URL to a server of yours)")


def test_offline_outputs_match_with_and_without_the_network(export, tmp_path):
    """The same command, blocked or not, prints the same JSON: nothing depends on the SDK."""
    blocked = _offline(_cli(["agreement", "--export", str(export), "--json"]), tmp_path)
    free = subprocess.run([sys.executable, "-m", "workbench", "agreement", "--export",
                           str(export), "--json"], capture_output=True, text=True)
    assert json.loads(blocked.stdout) == json.loads(free.stdout)
