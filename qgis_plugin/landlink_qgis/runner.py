"""How the plugin runs landlink: a subprocess by default, the Python package as a fallback.

Order: the executable configured in the Processing options (``LANDLINK_EXECUTABLE``, or the
environment variable of the same name) → ``landlink`` on PATH → the ``landlink_gis`` package if
QGIS's own Python can import it (run in this process, imported only then). The subprocess comes
first because landlink-gis brings its own GDAL (pyogrio, rasterio): loading a second GDAL into the
QGIS process is a crash risk, and QGIS's Python often lacks geopandas anyway.
"""

import contextlib
import importlib.util
import io
import os
import shutil
import subprocess

from qgis.core import QgsProcessingException

from .messages import tr

EXECUTABLE_SETTING = "LANDLINK_EXECUTABLE"
#: exit codes of landlink: 0 no error findings, 1 error findings (or a refused ledger registration), 2 not checkable
EXIT_INPUT = 2


class LandlinkResult:
    """Exit code and output of one landlink command."""

    def __init__(self, returncode, stdout, stderr, how):
        self.returncode, self.stdout, self.stderr, self.how = returncode, stdout, stderr, how


def configured_executable():
    """The executable set in the Processing options or in the environment (None: not set)."""
    value = ""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig

        value = ProcessingConfig.getSetting(EXECUTABLE_SETTING) or ""
    except (ImportError, KeyError):
        pass
    return value or os.environ.get(EXECUTABLE_SETTING) or None


def resolve(lang="zh"):
    """How landlink will be run: ``("subprocess", exe)`` or ``("package", None)``.

    Raises
    ------
    QgsProcessingException
        Neither an executable nor the package is available; the message says how to fix it.
    """
    exe = configured_executable()
    if exe:
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            raise QgsProcessingException(tr("exe_broken", lang, exe=exe))
        return "subprocess", exe
    exe = shutil.which("landlink")
    if exe:
        return "subprocess", exe
    if importlib.util.find_spec("landlink_gis") is not None:
        return "package", None
    raise QgsProcessingException(tr("not_found", lang))


def run_landlink(args, feedback=None, lang="zh", echo=True):
    """Run ``landlink ARGS`` and return a :class:`LandlinkResult`; its non-empty output lines go
    to ``feedback`` too (the log shows no blank lines). ``echo=False`` keeps its standard output
    out of the log: for a command without a Chinese wording (``ledger init``), whose result the
    algorithm reports itself."""
    how, exe = resolve(lang)
    if feedback is not None:
        feedback.pushCommandInfo(" ".join(["landlink" if exe is None else exe, *map(str, args)]))
    if how == "subprocess":
        env = dict(os.environ, PYTHONIOENCODING="utf-8", NO_COLOR="1")
        proc = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, encoding="utf-8", errors="replace", env=env)
        result = LandlinkResult(proc.returncode, proc.stdout, proc.stderr, how)
    else:
        result = _run_in_process(args)
    if feedback is not None:
        for line in result.stdout.splitlines() if echo else ():
            if line.strip():
                feedback.pushConsoleInfo(line.rstrip())
        for line in result.stderr.splitlines():
            if not line.strip():
                continue
            (feedback.pushWarning if hasattr(feedback, "pushWarning") else feedback.pushInfo)(line.rstrip())
    return result


def _run_in_process(args):
    from landlink_gis.cli.main import cli  # only here: see the module docstring

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main([str(a) for a in args], prog_name="landlink", standalone_mode=False)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception as exc:  # noqa: BLE001 - click usage errors and the like
            err.write(f"landlink: error: {exc}\n")
            code = EXIT_INPUT
    return LandlinkResult(code, out.getvalue(), err.getvalue(), "package")


def failure(result, what, lang="zh"):
    """A QgsProcessingException with landlink's own message (its stderr, else stdout)."""
    text = [line for line in (result.stderr.strip() or result.stdout.strip()).splitlines() if line.strip()]
    return QgsProcessingException(tr("failed", lang, what=what, code=result.returncode) + "\n".join(text[-15:]))
