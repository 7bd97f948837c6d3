#!/usr/bin/env python3
"""Developer tooling for the crm_law_milestones addon (standard library only).

    tools/clm run     start Odoo 19 on a new database with the sample firm
    tools/clm test    static checks, plain pytest and the Odoo suite
    tools/clm setup   only prepare the virtual environment and addons path
    tools/clm bench   the benchmark (see tools/benchmark.py)
    tools/clm pot     regenerate i18n/crm_law_milestones.pot from the module

The Odoo 19 source tree comes from ODOO_SRC, or from the per-user default
location ~/.local/share/crm_law_milestones/odoo-19.0 (XDG_DATA_HOME honoured),
which `setup` fills by cloning the official 19.0 branch when it is missing and
the network allows it.
"""

import argparse
import datetime
import getpass
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import sample_firm

MODULE = "crm_law_milestones"
REPO = Path(__file__).resolve().parent.parent
DATA_HOME = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
HOME = DATA_HOME / MODULE
DEFAULT_ODOO = HOME / "odoo-19.0"
ODOO_GIT_URL = "https://github.com/odoo/odoo.git"

# Packages the tooling needs besides Odoo's own requirements: crm's phone
# tests need phonenumbers, browser tests need websocket-client, the addon
# needs rapidfuzz and xlsxwriter, the checks need pylint-odoo and pytest.
EXTRA_PACKAGES = [
    "phonenumbers",
    "websocket-client",
    "rapidfuzz>=3",
    "xlsxwriter",
    "openpyxl",
    "pytest",
    "pylint-odoo>=9.3",
    "ruff",
]
# Not needed by crm and they need system headers to build.
SKIPPED_REQUIREMENTS = ("python-ldap",)


def say(message):
    print(f"[clm] {message}", flush=True)


def die(message):
    print(f"[clm] ERROR: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# ---------------------------------------------------------------------------
# Odoo tree, virtual environment, addons path
# ---------------------------------------------------------------------------


def is_odoo19_tree(path):
    release = Path(path) / "odoo" / "release.py"
    if not release.is_file():
        return False
    return "version_info = (19, 0" in release.read_text(errors="replace")


def find_odoo(fetch=True):
    """Return the Odoo 19 tree, or None when there is none to be had."""
    explicit = os.environ.get("ODOO_SRC")
    if explicit:
        if not is_odoo19_tree(explicit):
            die(
                f"ODOO_SRC={explicit} is not an Odoo 19.0 source tree "
                "(odoo/release.py must say version 19.0)."
            )
        return Path(explicit).resolve()
    if is_odoo19_tree(DEFAULT_ODOO):
        return DEFAULT_ODOO
    if not fetch:
        return None
    say(f"No Odoo tree at {DEFAULT_ODOO}; trying to clone the 19.0 branch.")
    DEFAULT_ODOO.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            "git",
            "clone",
            "--depth",
            "1",
            "--branch",
            "19.0",
            ODOO_GIT_URL,
            str(DEFAULT_ODOO),
        ],
        check=False,
    )
    if result.returncode == 0 and is_odoo19_tree(DEFAULT_ODOO):
        return DEFAULT_ODOO
    shutil.rmtree(DEFAULT_ODOO, ignore_errors=True)
    return None


def venv_dir():
    return HOME / f"venv-py{sys.version_info.major}.{sys.version_info.minor}"


def venv_python():
    return venv_dir() / "bin" / "python"


def ensure_venv(odoo):
    """Create (once) the venv with the tree's requirements and our extras."""
    requirements = (odoo / "requirements.txt").read_text(errors="replace")
    stamp_text = requirements + "\n".join(EXTRA_PACKAGES) + str(odoo)
    stamp = hashlib.sha256(stamp_text.encode()).hexdigest()
    stamp_file = venv_dir() / ".clm-stamp"
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return venv_python()

    say(f"Creating the virtual environment {venv_dir()} (a few minutes, once).")
    subprocess.run([sys.executable, "-m", "venv", str(venv_dir())], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        wanted = [
            line
            for line in requirements.splitlines()
            if not line.strip().lower().startswith(SKIPPED_REQUIREMENTS)
        ]
        req_file = Path(tmp) / "requirements.txt"
        req_file.write_text("\n".join(wanted) + "\n")
        # cbor2's sdist does not build with setuptools 81+.
        constraint = Path(tmp) / "build-constraints.txt"
        constraint.write_text("setuptools<81\n")
        env = dict(os.environ, PIP_CONSTRAINT=str(constraint))
        pip = [
            str(venv_python()),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
        ]
        subprocess.run([*pip, "-r", str(req_file)], check=True, env=env)
        subprocess.run([*pip, *EXTRA_PACKAGES], check=True)
    # `import odoo` from anywhere in the venv (pip install -e never ends).
    site = subprocess.run(
        [
            str(venv_python()),
            "-c",
            "import sysconfig;print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "odoo-19-tree.pth").write_text(str(odoo) + "\n")
    stamp_file.write_text(stamp)
    return venv_python()


def addons_dir():
    """A folder holding the checkout under its technical name, per checkout."""
    tag = hashlib.sha1(str(REPO).encode()).hexdigest()[:10]
    folder = HOME / f"addons-{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / MODULE
    if link.is_symlink() and Path(os.readlink(link)) != REPO:
        link.unlink()
    if not link.exists():
        link.symlink_to(REPO, target_is_directory=True)
    return folder


def addons_path(odoo):
    return ",".join(
        [
            str(odoo / "odoo" / "addons"),
            str(odoo / "addons"),
            str(addons_dir()),
        ]
    )


def db_exists(python, name):
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import sys, psycopg2\n"
            "with psycopg2.connect(dbname='postgres') as conn:\n"
            "    cr = conn.cursor()\n"
            "    cr.execute('SELECT 1 FROM pg_database WHERE datname = %s', "
            "[sys.argv[1]])\n"
            "    print(bool(cr.fetchone()))",
            name,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return probe.stdout.strip() == "True"


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def check_postgres(python):
    probe = subprocess.run(
        [str(python), "-c", "import psycopg2; psycopg2.connect(dbname='postgres')"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode:
        die(
            "PostgreSQL is not reachable over the local socket as user "
            f"{getpass.getuser()}.\n"
            "Start it (e.g. `pg_ctlcluster 15 main start`) and make sure this "
            "OS user has a PostgreSQL role that may create databases.\n"
            + probe.stderr.strip().splitlines()[-1]
        )


def odoo_cmd(python, odoo, *args):
    return [
        str(python),
        str(odoo / "odoo-bin"),
        "--addons-path",
        addons_path(odoo),
        *args,
    ]


def drop_db(python, odoo, name):
    subprocess.run(
        odoo_cmd(python, odoo, "db", "drop", name),
        check=False,
        capture_output=True,
    )
    subprocess.run(["dropdb", "--if-exists", name], check=False, capture_output=True)


def install_module(python, odoo, db, *extra):
    """Install the module on ``db`` (created if missing), quietly."""
    subprocess.run(
        odoo_cmd(
            python,
            odoo,
            "-d",
            db,
            "-i",
            MODULE,
            "--stop-after-init",
            "--log-level=warn",
            *extra,
        ),
        check=True,
    )


def prepare(fetch=True):
    odoo = find_odoo(fetch=fetch)
    if odoo is None:
        return None, None
    python = ensure_venv(odoo)
    check_postgres(python)
    return odoo, python


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def cmd_setup(args):
    odoo, python = prepare()
    if odoo is None:
        die(f"No Odoo 19 tree: set ODOO_SRC or put one at {DEFAULT_ODOO}.")
    say(f"Odoo tree: {odoo}")
    say(f"Python:    {python}")
    say(f"Addons:    {addons_path(odoo)}")


def cmd_run(args):
    odoo, python = prepare()
    if odoo is None:
        die(f"No Odoo 19 tree: set ODOO_SRC or put one at {DEFAULT_ODOO}.")
    db = args.database or "clm_" + datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
    if db_exists(python, db):
        if not args.reset:
            die(
                f"The database {db} exists already. Choose another --database, "
                "or add --reset to drop it and start again (everything in it "
                "is lost)."
            )
        say(f"Dropping the database {db} (--reset) ...")
        drop_db(python, odoo, db)
    say(f"Installing {MODULE} on the new database {db} ...")
    # Odoo 19 loads no demo data unless asked.
    install_module(python, odoo, db, *(["--with-demo"] if args.with_demo else []))
    say(f"Loading the sample firm ({args.leads} leads) ...")
    subprocess.run(
        [
            str(python),
            str(REPO / "tools" / "sample_firm.py"),
            "--database",
            db,
            "--addons-path",
            addons_path(odoo),
            "--leads",
            str(args.leads),
            "--seed",
            str(args.seed),
        ],
        check=True,
    )
    # The address Odoo listens on: 127.0.0.1 by default, where "localhost"
    # may resolve to ::1 first.
    host = "localhost" if args.interface in ("0.0.0.0", "::") else args.interface
    url = f"http://{host}:{args.port}/odoo/crm"
    say("Ready.")
    say(f"  URL:      {url}")
    say("  Login:    admin   Password: admin")
    staff = sample_firm.generate(leads=1, seed=args.seed).salespeople[0].login
    say(f"  Intake staff log in with their e-mail as password, e.g. {staff}")
    say("  (admin owns no leads: clear the 'My Pipeline' filter to see them all)")
    say(f"  Database: {db}   (stop with Ctrl-C, or end this process)")
    os.execv(
        str(python),
        odoo_cmd(
            python,
            odoo,
            "-d",
            db,
            "--http-port",
            str(args.port),
            # This machine only, unless asked: the login is admin/admin.
            "--http-interface",
            args.interface,
            "--db-filter",
            f"^{db}$",
        ),
    )


def run_static_checks(python):
    """XML parses, ruff, pylint-odoo (OCA 19.0 configuration)."""
    failures = 0
    checked = 0
    for xml_file in sorted(REPO.rglob("*.xml")):
        if ".git" in xml_file.parts:
            continue
        checked += 1
        parse = subprocess.run(
            [
                str(python),
                "-c",
                "import sys,lxml.etree as e; e.parse(sys.argv[1])",
                str(xml_file),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if parse.returncode:
            failures += 1
            say(f"XML does not parse: {xml_file}\n{parse.stderr}")
    say(f"static: {checked} XML files parsed, {failures} failed")
    ruff = subprocess.run(
        [str(python), "-m", "ruff", "check", "--quiet", str(REPO)],
        check=False,
    )
    ruff_format = subprocess.run(
        [str(python), "-m", "ruff", "format", "--check", "--quiet", str(REPO)],
        check=False,
    )
    failures += bool(ruff.returncode) + bool(ruff_format.returncode)
    say(
        f"static: ruff check rc={ruff.returncode}, "
        f"ruff format rc={ruff_format.returncode}"
    )
    pylint = subprocess.run(
        [
            str(python),
            "-m",
            "pylint",
            f"--rcfile={REPO / '.pylintrc'}",
            str(addons_dir() / MODULE),
        ],
        check=False,
    )
    failures += bool(pylint.returncode)
    say(f"static: pylint-odoo rc={pylint.returncode}")
    return failures


def run_pytest(python):
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        result = subprocess.run(
            [
                str(python),
                "-m",
                "pytest",
                "-q",
                str(REPO / "tests" / "pure"),
                f"--junitxml={report.name}",
                "-p",
                "no:cacheprovider",
            ],
            check=False,
            cwd=REPO,
        )
        text = Path(report.name).read_text()
    counts = re.search(
        r'<testsuite [^>]*errors="(\d+)" failures="(\d+)" '
        r'skipped="(\d+)" tests="(\d+)"',
        text,
    )
    if not counts:
        return 0, 1, 0
    errors, failed, skipped, total = map(int, counts.groups())
    return (
        total - errors - failed - skipped,
        errors + failed + (result.returncode not in (0, 5)),
        skipped,
    )


# This module's tests (which re-run crm's own test classes) and crm's
# post-install tests, but one: crm's rainbowman tour clicks the stock "Won"
# stage by its database id (4), a stage this module removes at install on a
# database whose stock stages hold no lead. The rainbowman itself is covered
# by crm's TestCrmLeadRainbowmanMessages, re-run with the module.
ODOO_TEST_TAGS = f"/{MODULE},post_install/crm,-/crm:TestUi.test_02_crm_tour_rainbowman"

ODOO_RESULT = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)


def run_odoo(python, odoo, log, *args):
    """Run odoo-bin, keep its whole output in ``log``, echo what matters."""
    notable = re.compile(r" (ERROR|CRITICAL) |FAIL:|tests when loading|post-tests in")
    with log.open("a") as out:
        proc = subprocess.Popen(
            odoo_cmd(python, odoo, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines = []
        for line in proc.stdout:
            out.write(line)
            lines.append(line)
            if notable.search(line):
                sys.stdout.write(line)
        proc.wait()
    return proc.returncode, "".join(lines)


def run_steps(python, odoo, log, db, steps):
    """Run odoo-bin once per (label, arguments) step on ``db``, stopping at
    the first that fails (exit code, or an ERROR line); return how many
    succeeded."""
    for done, (label, args) in enumerate(steps):
        rc, text = run_odoo(
            python, odoo, log, "-d", db, "--stop-after-init", "--log-level=info", *args
        )
        if rc or re.search(r" (ERROR|CRITICAL) ", text):
            say(f"odoo: {label} failed; see {log}")
            return done
        say(f"odoo: {label} OK")
    return len(steps)


def run_odoo_suite(python, odoo, tags):
    """Install, upgrade, then test on a throwaway database.

    The tests run in a separate pass on the installed database: then every
    installed module's post-install tests can be selected (crm's included),
    and the module's own install and upgrade are checked on their own.
    """
    db = f"clm_test_{os.getpid()}"
    drop_db(python, odoo, db)
    log = Path(tempfile.gettempdir()) / f"{db}.log"
    log.write_text("")
    say(f"odoo: throwaway database {db} (full log: {log})")
    try:
        steps = (
            (f"install of {MODULE}", ["-i", MODULE]),
            (f"upgrade of {MODULE}", ["-u", MODULE]),
        )
        if run_steps(python, odoo, log, db, steps) < len(steps):
            return 0, 1

        rc, text = run_odoo(
            python,
            odoo,
            log,
            "-d",
            db,
            "--stop-after-init",
            "--test-tags",
            tags,
            "--http-port",
            str(free_port()),
            "--log-level=test",
            "--max-cron-threads=0",
        )
    finally:
        drop_db(python, odoo, db)

    counts = ODOO_RESULT.search(text)
    if not counts:
        say(f"odoo: no test result line (odoo-bin exited {rc}); see {log}")
        return 0, 1
    failed, errors, total = map(int, counts.groups())
    if total == 0:
        say("odoo: no Odoo test ran; see the log")
        return 0, 1
    bad = failed + errors
    if rc and not bad:
        say(f"odoo: odoo-bin exited with {rc}; see {log}")
        bad = 1
    return total - failed - errors, bad


# A database with Odoo's own CRM demo data: its leads sit in crm's stock
# stages, which the module must keep (with no role) and backfill.
DEMO_CHECK_SQL = """
SELECT (SELECT count(*) FROM crm_lead) AS leads,
       (SELECT count(*) FROM crm_lead lead
         WHERE NOT EXISTS (SELECT 1 FROM crm_lead_milestone_log log
                            WHERE log.lead_id = lead.id)) AS leads_without_log,
       (SELECT count(*) FROM crm_stage WHERE milestone_role IS NULL) AS stock_stages,
       (SELECT count(*) FROM crm_stage WHERE milestone_role IS NOT NULL) AS milestones
"""


def run_demo_install(python, odoo):
    """Install crm with its demo data, then the module, then upgrade it, on a
    throwaway database; check every demo lead got its log row. Returns
    (passed, failed) checks."""
    db = f"clm_demo_{os.getpid()}"
    drop_db(python, odoo, db)
    log = Path(tempfile.gettempdir()) / f"{db}.log"
    log.write_text("")
    say(f"odoo: CRM demo database {db} (full log: {log})")
    try:
        steps = (
            ("crm with demo data", ["-i", "crm", "--with-demo"]),
            (f"install of {MODULE} on it", ["-i", MODULE]),
            (f"upgrade of {MODULE} on it", ["-u", MODULE]),
        )
        done = run_steps(python, odoo, log, db, steps)
        # Installing crm itself is set-up, not a check of the module.
        passed = max(done - 1, 0)
        if done < len(steps):
            return passed, 1
        probe = subprocess.run(
            [
                str(python),
                "-c",
                "import sys, psycopg2\n"
                "with psycopg2.connect(dbname=sys.argv[1]) as conn:\n"
                "    cr = conn.cursor(); cr.execute(sys.argv[2])\n"
                "    print(*cr.fetchone())",
                db,
                DEMO_CHECK_SQL,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        leads, without_log, stock, roles = map(int, probe.stdout.split())
    finally:
        drop_db(python, odoo, db)
    ok = leads > 0 and without_log == 0 and stock > 0 and roles >= 10
    say(
        f"odoo: demo data kept: {leads} leads, {without_log} without a log row, "
        f"{stock} stock stages kept, {roles} milestone stages: "
        + ("OK" if ok else "WRONG")
    )
    return passed + ok, 0 if ok else 1


def ensure_browser():
    """Chromium runs Odoo's browser tests; without it they are skipped."""
    if shutil.which("chromium") or shutil.which("google-chrome"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("Installing Debian's chromium for the browser tests ...")
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=False,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
        )
    if not shutil.which("chromium"):
        say("NO CHROMIUM: Odoo's browser tests (tours) will be skipped.")


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cmd_test(args):
    odoo = find_odoo(fetch=not os.environ.get("CI"))
    if odoo is None:
        print("\n" + "!" * 78)
        print("NO ODOO 19 TREE FOUND: THE ODOO TEST SUITE WILL NOT RUN.")
        print(f"SET ODOO_SRC OR PUT AN ODOO 19.0 TREE AT {DEFAULT_ODOO}.")
        print("!" * 78 + "\n", flush=True)
        python = Path(sys.executable)
        # Plain tests still need their few libraries.
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "rapidfuzz",
                "xlsxwriter",
                "openpyxl",
                "pytest",
            ],
            check=False,
        )
    else:
        python = ensure_venv(odoo)
        check_postgres(python)
        ensure_browser()

    passed = failed = skipped = 0
    if odoo is not None and not args.no_static:
        failed += run_static_checks(python)
    p, f, s = run_pytest(python)
    passed, failed, skipped = passed + p, failed + f, skipped + s
    say(f"pytest: {p} passed, {f} failed, {s} skipped")
    if odoo is not None:
        p, f = run_odoo_suite(python, odoo, args.tags)
        if args.tags == ODOO_TEST_TAGS:
            demo_passed, demo_failed = run_demo_install(python, odoo)
            p, f = p + demo_passed, f + demo_failed
        passed, failed = passed + p, failed + f
        say(f"odoo suite: {p} passed, {f} failed")
    else:
        skipped += 1
        say("odoo suite: NOT RUN (NO ODOO 19 TREE)")
    print(f"{passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return 1 if failed else 0


def cmd_bench(args):
    odoo, python = prepare()
    if odoo is None:
        die(f"No Odoo 19 tree: set ODOO_SRC or put one at {DEFAULT_ODOO}.")
    os.execv(
        str(python),
        [
            str(python),
            str(REPO / "tools" / "benchmark.py"),
            "--odoo",
            str(odoo),
            "--addons-path",
            addons_path(odoo),
            *args.rest,
        ],
    )


def cmd_pot(args):
    """Install the module on a throwaway database and export its terms."""
    odoo, python = prepare()
    if odoo is None:
        die(f"No Odoo 19 tree: set ODOO_SRC or put one at {DEFAULT_ODOO}.")
    db = f"clm_pot_{os.getpid()}"
    drop_db(python, odoo, db)
    try:
        install_module(python, odoo, db)
        # `i18n export` writes <module>/i18n/<module>.pot in the module's own
        # folder, which is this checkout.
        subprocess.run(
            [
                str(python),
                str(odoo / "odoo-bin"),
                f"--addons-path={addons_path(odoo)}",
                "i18n",
                "export",
                "-d",
                db,
                MODULE,
            ],
            check=True,
        )
    finally:
        drop_db(python, odoo, db)
    say(f"Wrote {REPO / 'i18n' / (MODULE + '.pot')}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup")
    run = sub.add_parser("run")
    run.add_argument("--database", help="a new database name (default: clm_<time>)")
    run.add_argument(
        "--reset",
        action="store_true",
        help="drop --database first when it exists (its data is lost)",
    )
    run.add_argument("--port", type=int, default=8069)
    run.add_argument(
        "--interface",
        default="127.0.0.1",
        help="the address Odoo listens on (default: this machine only)",
    )
    run.add_argument("--leads", type=positive_int, default=300)
    run.add_argument("--seed", type=int, default=2026)
    run.add_argument(
        "--with-demo", action="store_true", help="also load Odoo's own demo data"
    )
    test = sub.add_parser("test")
    test.add_argument(
        "--tags",
        default=ODOO_TEST_TAGS,
        help="Odoo --test-tags (default: this module's tests, which re-run "
        "crm's own, and crm's post-install tests)",
    )
    test.add_argument("--no-static", action="store_true")
    sub.add_parser("bench")
    sub.add_parser("pot")
    # Everything after `bench` goes to tools/benchmark.py as it is.
    args, rest = parser.parse_known_args()
    if args.command != "bench" and rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    handler = {
        "setup": cmd_setup,
        "run": cmd_run,
        "test": cmd_test,
        "bench": cmd_bench,
        "pot": cmd_pot,
    }[args.command]
    sys.exit(handler(args) or 0)


if __name__ == "__main__":
    main()
