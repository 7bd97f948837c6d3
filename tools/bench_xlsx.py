"""Benchmark of the intake workbook export (XLSX): time and peak memory.

The export runs in a child process of its own, as the admin user, over the
whole database (no period, every lead and its transition log), so that its
peak memory can be read cleanly: the child resets the kernel's high-water
mark of its resident memory just before the export (``/proc/self/clear_refs``)
and reads it back after (``VmHWM``). Both the process peak and the growth
over what the loaded registry already held are printed.

On a database loaded with the sample firm (tools/sample_firm.py)::

    python tools/bench_xlsx.py --database DB --addons-path PATHS [--out F]

``tools/clm bench --step xlsx --leads N`` loads the sample firm at N leads
and runs it (``--firm-db DB`` to reuse one); ``run(env)`` adds the figure to
the full benchmark's table.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
# What the export must stay within (the figures) at 100,000 leads.
TARGET_SECONDS = 60
TARGET_MB = 400


def _memory_kb(key):
    """A line of /proc/self/status, in kB (VmRSS, VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak():
    """Reset the process's peak resident memory (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _child(database, addons_path, out=None):
    """Run one export in this process and print its figures as JSON."""
    import base64
    import gc

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["--addons-path", addons_path, "--database", database, "--log-level", "warn"],
        setup_logging=True,
    )
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = env(
            user=admin.id,
            context={"tz": admin.tz or "UTC", "lang": admin.lang or "en_US"},
        )
        leads = env["crm.lead"].with_context(active_test=False).search_count([])
        log_rows = env["crm.lead.milestone.log"].search_count([])
        wizard = env["crm.intake.export"].create({"date_from": False, "date_to": False})
        env.flush_all()
        env.invalidate_all()
        gc.collect()
        baseline = _memory_kb("VmRSS")
        reset = _reset_peak()
        started = time.perf_counter()
        wizard.action_export()
        seconds = time.perf_counter() - started
        peak = _memory_kb("VmHWM")
        content = base64.b64decode(wizard.file_data)
        if out:
            Path(out).write_bytes(content)
        cr.rollback()
    print(
        json.dumps(
            {
                "leads": leads,
                "log_rows": log_rows,
                "seconds": seconds,
                "baseline_mb": baseline / 1024,
                "peak_mb": peak / 1024,
                "peak_is_export_only": reset,
                "bytes": len(content),
            }
        )
    )


def measure(database, addons_path, out=None):
    """Run the export in a child process; returns its figures (a dict)."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--database",
        database,
        "--addons-path",
        addons_path,
    ]
    if out:
        command += ["--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"the export failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def describe(figures):
    verdict = (
        "within"
        if figures["seconds"] < TARGET_SECONDS and figures["peak_mb"] < TARGET_MB
        else "OVER"
    )
    return (
        f"XLSX export of {figures['leads']} leads and {figures['log_rows']} log "
        f"rows: {figures['seconds']:.1f} s, peak RSS {figures['peak_mb']:.0f} MB "
        f"(registry loaded before: {figures['baseline_mb']:.0f} MB, export "
        f"+{figures['peak_mb'] - figures['baseline_mb']:.0f} MB), file "
        f"{figures['bytes'] / 1e6:.1f} MB; {verdict} the {TARGET_SECONDS} s / "
        f"{TARGET_MB} MB target"
    )


def run(env, repeats=1):
    """The full benchmark's row: the export of its addon database."""
    import odoo

    figures = measure(
        env.cr.dbname, ",".join(map(str, odoo.tools.config["addons_path"]))
    )
    label = f"xlsx export, {figures['leads']} leads (peak {figures['peak_mb']:.0f} MB)"
    return [(label, figures["seconds"], None, None)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", "-d", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--out", help="also write the workbook to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.database, args.addons_path, args.out)
        return
    print(describe(measure(args.database, args.addons_path, args.out)), flush=True)


if __name__ == "__main__":
    main()
