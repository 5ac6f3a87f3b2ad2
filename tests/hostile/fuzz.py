"""Seeded mutation fuzzer of ``landlink check``: damaged shapefiles, GeoPackages, coordinate TXT
and TOML.

Each case is one integer seed. From a small valid project (two templates: demolition plots as a
shapefile, or as a Ministry coordinate TXT; construction plots in a GeoPackage), the seed picks
one file (``.shp``, ``.shx``, ``.dbf``, ``.gpkg``, ``.txt`` or the project TOML) and one damage:
flipped bytes, a truncation or inserted bytes, biased towards the headers where parsing happens.
The CLI then runs in-process (click's ``CliRunner``) under a per-case time limit, and the case
passes when:

* the exit code is 0, 1 or 2, within the limit;
* the output holds no traceback and no "internal error" (an unexpected exception in the tool);
* every input file is byte-identical afterwards and no file appeared in the input folder;
* on exit 2, no output file (and no temporary file) was left.

Run ``python tests/hostile/fuzz.py --cases 5000`` for a long run, or ``--only SEED --keep DIR``
to write one case's project to ``DIR`` and print its outcome (with ``-vv`` stack) as a reproducer.
"""

from __future__ import annotations

import argparse
import faulthandler
import hashlib
import shutil
import signal
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

if __package__:
    from .make_corpus import construction, demolition, toml
else:  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_corpus import construction, demolition, toml

SEED = 20_250_101
#: Seeds whose failure is in a file the fuzzer's owner may not change, with where it fails.
#: Each entry is a known bug waiting for a fix; the lead empties this list as they are fixed.
#: A seed listed here must still fail (so a fixed bug is noticed and its entry removed).
KNOWN_FAILURES: dict[int, str] = {}

TEMPLATES = {
    "shp": (
        "demolition.shp",
        "demolition.shx",
        "demolition.dbf",
        "construction.gpkg",
        "project.toml",
    ),
    "txt": ("demolition.txt", "construction.gpkg", "project.toml"),
}
MUTATIONS = ("flip", "truncate", "insert")


class CaseTimeout(BaseException):
    """Raised in the main thread when a case runs past its limit (a BaseException: no ``except
    Exception`` eats it)."""


@dataclass
class FuzzCase:
    """One seeded case: which template, which file, which damage."""

    seed: int
    template: str
    target: str
    mutation: str

    def __str__(self) -> str:
        return f"seed {self.seed}: {self.mutation} {self.target} ({self.template} template)"


@dataclass
class Outcome:
    """What the CLI did with a case, and which guarantee it broke (``problems`` empty: passed)."""

    case: FuzzCase
    exit_code: int | None
    seconds: float
    output: str
    problems: list[str] = field(default_factory=list)


def case_for(seed: int) -> FuzzCase:
    """The case of ``seed`` (template, target file, mutation), reproducible on every machine."""
    rng = np.random.default_rng(SEED + seed)
    template = str(rng.choice(tuple(TEMPLATES)))
    return FuzzCase(
        seed, template, str(rng.choice(TEMPLATES[template])), str(rng.choice(MUTATIONS))
    )


def write_templates(root: Path) -> dict[str, Path]:
    """Write the valid template projects under ``root`` once; returns template name → folder."""
    from landlink_gis.io.coordtxt import write_coordtxt

    rng = np.random.default_rng(SEED)
    dem, con = demolition(rng), construction(rng)
    folders = {}
    for name in TEMPLATES:
        folder = root / name
        folder.mkdir(parents=True)
        con.to_file(folder / "construction.gpkg", layer="construction", driver="GPKG")
        if name == "shp":
            dem.to_file(folder / "demolition.shp", encoding="UTF-8")
            project = ""
        else:
            write_coordtxt(dem, folder / "demolition.txt", id_field="DKBH", class_field="DLBM")
            project = 'crs = "EPSG:4545"'
        toml(
            folder,
            {"demolition": f"demolition.{name}", "construction": "construction.gpkg"},
            project=project,
        )
        folders[name] = folder
    return folders


def mutate(data: bytes, mutation: str, rng: np.random.Generator) -> bytes:
    """``data`` damaged by ``mutation``; positions fall in the first 128 bytes half of the time."""
    n = len(data)
    if n == 0:
        return bytes(rng.integers(0, 256, 8, dtype=np.uint8))

    def position(limit: int) -> int:
        head = min(limit, 128)
        return int(rng.integers(0, head)) if rng.random() < 0.5 else int(rng.integers(0, limit))

    if mutation == "truncate":
        return data[: position(n)]
    if mutation == "insert":
        at = position(n + 1)
        extra = bytes(rng.integers(0, 256, int(rng.integers(1, 65)), dtype=np.uint8))
        return data[:at] + extra + data[at:]
    buf = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        buf[position(n)] ^= int(rng.integers(1, 256))
    return bytes(buf)


def build_case(case: FuzzCase, templates: dict[str, Path], dest: Path) -> Path:
    """Copy the case's template to ``dest`` and damage its target file; returns the TOML path."""
    shutil.copytree(templates[case.template], dest)
    target = dest / case.target
    rng = np.random.default_rng(SEED + case.seed + zlib.crc32(case.target.encode()))
    target.write_bytes(mutate(target.read_bytes(), case.mutation, rng))
    return dest / "project.toml"


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`CaseTimeout` in the main thread after ``seconds``; dump every stack and exit
    at 4×.

    The soft limit interrupts Python code; the hard one (``faulthandler``) ends a process stuck
    in C code, with every thread's stack on stderr, rather than hanging the test run.
    """

    def _raise(signum, frame):  # noqa: ARG001
        raise CaseTimeout(f"ran past {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(4 * seconds, exit=True)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


def run_case(
    case: FuzzCase,
    templates: dict[str, Path],
    work: Path,
    *,
    limit: float = 20.0,
    extra_args: tuple[str, ...] = (),
) -> Outcome:
    """Build ``case`` under ``work``, run ``landlink check`` on it in-process and judge the
    outcome."""
    from click.testing import CliRunner

    from landlink_gis.cli.main import cli

    folder = work / f"case{case.seed}"
    toml_path = build_case(case, templates, folder / "in")
    out = folder / "out" / "checked.gpkg"
    out.parent.mkdir()
    before = _hashes(folder / "in")
    start = time.monotonic()
    problems: list[str] = []
    try:
        with time_limit(limit):
            result = CliRunner().invoke(
                cli, ["check", str(toml_path), "--lang", "en", "-o", str(out), *extra_args]
            )
        code, text = result.exit_code, result.output
    except CaseTimeout as exc:
        code, text = None, ""
        problems.append(f"timeout: {exc}")
    seconds = time.monotonic() - start
    if code is not None and code not in (0, 1, 2):
        problems.append(f"exit code {code} ({result.exception!r})")
    if "Traceback" in text:
        problems.append("traceback in the output")
    if "internal error" in text:
        problems.append("internal error (an unexpected exception)")
    if _hashes(folder / "in") != before:
        problems.append("an input file changed or a file appeared in the input folder")
    if code == 2 and any(out.parent.iterdir()):
        problems.append(f"exit 2 but left {sorted(p.name for p in out.parent.iterdir())}")
    return Outcome(case, code, seconds, text, problems)


def fuzz(
    seeds: range | list[int], *, limit: float = 20.0, keep: Path | None = None
) -> list[Outcome]:
    """Run the cases of ``seeds``; returns every outcome (each case's folder removed unless
    ``keep``)."""
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="landlink-fuzz-") as tmp:
        root = Path(tmp)
        templates = write_templates(root / "templates")
        work = keep or root / "work"
        work.mkdir(parents=True, exist_ok=True)
        for seed in seeds:
            outcome = run_case(case_for(seed), templates, work, limit=limit)
            outcomes.append(outcome)
            if keep is None:
                shutil.rmtree(work / f"case{seed}", ignore_errors=True)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    """Command line: run many cases and print the failing ones as reproducers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--only", type=int, nargs="*", help="run only these seeds")
    parser.add_argument("--keep", type=Path, help="keep each case's project in this folder")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per case")
    args = parser.parse_args(argv)
    seeds = args.only if args.only else range(args.start, args.start + args.cases)
    failed = 0
    outcomes = fuzz(seeds, limit=args.limit, keep=args.keep)
    codes = np.unique([str(o.exit_code) for o in outcomes], return_counts=True)
    for outcome in outcomes:
        if outcome.problems and outcome.case.seed not in KNOWN_FAILURES:
            failed += 1
            print(
                f"FAIL {outcome.case} exit={outcome.exit_code} {outcome.seconds:.1f}s: "
                f"{'; '.join(outcome.problems)}"
            )
            print("    " + outcome.output.strip().replace("\n", "\n    ")[:2000])
    print(
        f"{len(seeds)} cases, {failed} failed; exit codes: {dict(zip(*codes, strict=True))}; "
        f"slowest {max(o.seconds for o in outcomes):.1f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
