#!/usr/bin/env python3
"""run_test.py: integration tests of `uao run' on real programs.

usage: run_test.py CASE [--slow]

Each case runs a real, unmodified program twice, plainly and under
`uao run --ram R', and requires:
  - the same exit status and the same output, byte for byte;
  - a report (--stats FILE --json) showing that the working set really
    exceeded the RAM limit: pages went out to swap and came back in.
Other cases check what `uao run' must refuse (one line, exit status 2),
and `uao stat' / `uao swapctl' on a running program.

Environment (set by meson): UAO (the uao command), MT_FAULT and
STATIC_HELLO (test programs), RUN_SRCDIR (this directory), UAO_TEST_SEED
(optional: a seed; the default is fixed).  Exit 0 pass, 1 fail, 77 skip.
"""
import filecmp
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

UAO = os.environ.get("UAO", "uao")
SRC = os.environ.get("RUN_SRCDIR", os.path.dirname(os.path.abspath(__file__)))
MT_FAULT = os.environ.get("MT_FAULT", "")
STATIC_HELLO = os.environ.get("STATIC_HELLO", "")
FD_CLOSER = os.environ.get("FD_CLOSER", "")
FILEMAP = os.environ.get("FILEMAP", "")
SEED = int(os.environ.get("UAO_TEST_SEED", "20261130"))
SKIP = 77


class Fail(Exception):
    pass


# the uao runs this test started with spawn() and has not reaped: a run
# stopped by a signal kills them (`uao run' takes its program with it)
LIVE = []


def spawn(*args, **kwargs):
    """subprocess.Popen, remembered so that a stopped test kills it."""
    p = subprocess.Popen(*args, **kwargs)
    LIVE.append(p)
    return p


def kill_live():
    for p in LIVE:
        if p.poll() is None:
            p.kill()
            p.wait()


def say(msg):
    print(msg, flush=True)


def python3():
    """A real python3 binary (not a pyenv shim script)."""
    for p in ("/usr/bin/python3", shutil.which("python3") or ""):
        if p and os.path.exists(p):
            with open(p, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    return p
    return sys.executable


PY = python3()


def uao(args, **kw):
    return subprocess.run([UAO] + args, capture_output=True, **kw)


def probe():
    """Skip (77) where uao run cannot work at all: no userfaultfd."""
    r = uao(["run", "--ram", "8M", "--stats", "/dev/null", "--", "/bin/true"],
            timeout=60)
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace")
        if "userfaultfd" in err or "not permitted" in err.lower() or \
                "cannot start the simulator" in err:
            say("SKIP: uao run cannot start here: %s" % err.strip())
            sys.exit(SKIP)
        raise Fail("uao run /bin/true failed (%d): %s" % (r.returncode, err))


def report_of(path):
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        raise Fail("the report is not one JSON object: %r" % text[:300])


def check_paged(rep, what, need_in=True):
    """The working set really exceeded the RAM limit."""
    p = rep["paging"]
    say("  %s: RAM %d MiB, %d faults (%d swap-in), %d pages out, %d in, "
        "%d pages of swap at exit, %.1f s"
        % (what, rep["ram_limit"] >> 20, rep["faults"]["total"],
           rep["faults"]["swap_in"], p["pageouts"], p["pageins"],
           rep["swap"]["inuse"], rep["elapsed_s"]))
    if p["pageouts"] == 0:
        raise Fail("%s: no page went out to swap: the working set did not "
                   "exceed the RAM limit" % what)
    if need_in and (p["pageins"] == 0 or rep["faults"]["swap_in"] == 0):
        raise Fail("%s: no page came back from swap" % what)
    if rep["faults"]["io_errors"] != 0 or p["pageout_errors"] != 0:
        raise Fail("%s: I/O errors in the report" % what)
    if rep["faults"]["lost"] != 0:
        raise Fail("%s: %d pages found discarded behind uao's back (the "
                   "test programs discard only through libc)"
                   % (what, rep["faults"]["lost"]))


def compare(plain, under, what):
    """plain and under: (returncode, stdout path)."""
    if plain[0] != under[0]:
        raise Fail("%s: exit status %d under uao, %d plain"
                   % (what, under[0], plain[0]))
    if not filecmp.cmp(plain[1], under[1], shallow=False):
        with open(plain[1], "rb") as a, open(under[1], "rb") as b:
            x, y = a.read(), b.read()
        i = next((k for k in range(min(len(x), len(y))) if x[k] != y[k]),
                 min(len(x), len(y)))
        raise Fail("%s: output differs from the plain run at byte %d "
                   "(%d vs %d bytes): plain %r, under uao %r"
                   % (what, i, len(x), len(y), x[i:i + 80], y[i:i + 80]))
    say("  %s: output identical (%d bytes, sha256 %s)"
        % (what, os.path.getsize(plain[1]), sha256_file(plain[1])[:16]))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run_to(argv, out, stdin=None, env=None, cwd=None):
    t0 = time.monotonic()
    with open(out, "wb") as f:
        r = subprocess.run(argv, stdout=f, stderr=subprocess.PIPE,
                           stdin=stdin, env=env, cwd=cwd)
    return r.returncode, r.stderr.decode(errors="replace"), \
        time.monotonic() - t0


def pair(tmp, name, argv, ram, extra=(), stdin_path=None, env=None,
         need_in=True):
    """Run argv plainly and under uao run; compare; check the report."""
    plain_out = os.path.join(tmp, name + ".plain")
    uao_out = os.path.join(tmp, name + ".uao")
    stats = os.path.join(tmp, name + ".json")

    def stdin():
        return open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL

    rc, err, t = run_to(argv, plain_out, stdin(), env, tmp)
    say("  %s: plain run %.1f s, exit %d" % (name, t, rc))
    urc, uerr, ut = run_to([UAO, "run", "--ram", ram, "--stats", stats,
                            "--json"] + list(extra) + ["--"] + argv,
                           uao_out, stdin(), env, tmp)
    say("  %s: under uao run --ram %s: %.1f s, exit %d" % (name, ram, ut, urc))
    if "uao:" in uerr and "panic" in uerr:
        raise Fail("%s: %s" % (name, uerr.strip()))
    if not os.path.exists(stats) or os.path.getsize(stats) == 0:
        raise Fail("%s: no report (stderr: %s)" % (name, uerr.strip()))
    compare((rc, plain_out), (urc, uao_out), name)
    rep = report_of(stats)
    check_paged(rep, name, need_in)
    return rep


# ---------------------------------------------------------------- cases

def case_python(tmp, slow):
    mib, ram = (480, "64M") if slow else (160, "48M")
    say("python3 objects.py %d MiB (seed %d)" % (mib, SEED))
    rep = pair(tmp, "python", [PY, os.path.join(SRC, "objects.py"),
                               str(mib), str(SEED)], ram)
    check_share(rep, "python")


def make_sort_input(path, nbytes, seed, long_lines):
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    with open(path, "w") as f:
        n = 0
        while n < nbytes:
            if long_lines:
                body = rng.choice(letters) * rng.randint(2000, 6000)
            else:
                body = "".join(rng.choice(letters)
                               for _ in range(rng.randint(8, 60)))
            line = "%016x %s\n" % (rng.getrandbits(64), body)
            f.write(line)
            n += len(line)


def case_sort(tmp, slow):
    # a large -S buffer: sort keeps it all in memory, which is what pages
    nbytes = 150 * 1000 * 1000 if slow else 120 * 1000 * 1000
    path = os.path.join(tmp, "input.txt")
    make_sort_input(path, nbytes, SEED, long_lines=not slow)
    say("sort -S 200M of %d MB (%s lines, seed %d)"
        % (nbytes // 1000000, "short" if slow else "long", SEED))
    env = dict(os.environ, LC_ALL="C")
    sort = shutil.which("sort") or "/usr/bin/sort"
    pair(tmp, "sort", [sort, "-S", "200M", "-T", tmp, path], "32M", env=env)


def case_sqlite(tmp, slow):
    sqlite = shutil.which("sqlite3")
    if sqlite is None:
        say("SKIP: no sqlite3")
        sys.exit(SKIP)
    orders = 300000 if slow else 25000
    with open(os.path.join(SRC, "workload.sql")) as f:
        sql = f.read().replace(":ORDERS", str(orders))
    script = os.path.join(tmp, "workload.sql")
    with open(script, "w") as f:
        f.write(sql)
    say("sqlite3: %d orders, cache_size 256 MiB" % orders)
    # a fresh database for each run: the two runs must do the same work
    for name in ("sqlite.db",):
        if os.path.exists(os.path.join(tmp, name)):
            os.unlink(os.path.join(tmp, name))
    db = os.path.join(tmp, "plain.db")
    plain_out = os.path.join(tmp, "sqlite.plain")
    uao_out = os.path.join(tmp, "sqlite.uao")
    stats = os.path.join(tmp, "sqlite.json")
    ram = "32M" if slow else "16M"
    with open(script, "rb") as s:
        rc, err, t = run_to([sqlite, db], plain_out, s, None, tmp)
    say("  sqlite: plain run %.1f s, exit %d" % (t, rc))
    db2 = os.path.join(tmp, "uao.db")
    with open(script, "rb") as s:
        urc, uerr, ut = run_to([UAO, "run", "--ram", ram, "--stats", stats,
                                "--json", "--", sqlite, db2], uao_out, s,
                               None, tmp)
    say("  sqlite: under uao run --ram %s: %.1f s, exit %d" % (ram, ut, urc))
    if rc != 0:
        raise Fail("sqlite3 failed in the plain run: %s" % err)
    compare((rc, plain_out), (urc, uao_out), "sqlite")
    check_paged(report_of(stats), "sqlite")
    # the database files it wrote are the same too
    r1 = subprocess.run([sqlite, db, ".dump"], capture_output=True)
    r2 = subprocess.run([sqlite, db2, ".dump"], capture_output=True)
    if r1.stdout != r2.stdout:
        raise Fail("sqlite: the databases differ (.dump)")
    say("  sqlite: databases identical (.dump, %d bytes)" % len(r1.stdout))


def case_threads(tmp, slow):
    if not MT_FAULT:
        raise Fail("MT_FAULT not set")
    nthreads, mib, passes = (8, 256, 4) if slow else (4, 96, 3)
    say("mt_fault: %d threads, %d MiB, %d passes, seed %d"
        % (nthreads, mib, passes, SEED))
    rep = pair(tmp, "threads", [MT_FAULT, str(nthreads), str(mib),
                                str(passes), str(SEED)], "16M",
               extra=["--handlers", "2"])
    if rep["mmaps_adopted"] < nthreads:
        raise Fail("threads: %d mmaps made regions, want at least %d"
                   % (rep["mmaps_adopted"], nthreads))


def case_forks(tmp, slow):
    mib = 160 if slow else 48
    say("forks.py %d MiB: fork, a child reading the parent's memory, "
        "sh -c and subprocess children" % mib)
    rep = pair(tmp, "forks", [PY, os.path.join(SRC, "forks.py"), str(mib)],
               "16M")
    if rep["forks"] < 1:
        raise Fail("forks: the report counts no fork")
    with open(os.path.join(tmp, "forks.uao")) as f:
        text = f.read()
    if "same as before the fork" not in text:
        raise Fail("forks: the child did not read the parent's memory as it "
                   "was at the fork")
    # the child worked over --ram: bounded, it paged to a swap of its own
    say("  forks: the children paged %d in, %d out"
        % (rep["fork_pageins"], rep["fork_pageouts"]))
    if rep["fork_pageouts"] < mib * 256 // 2:
        raise Fail("forks: the child paged out %d pages, want at least %d: "
                   "it is not bounded by --ram"
                   % (rep["fork_pageouts"], mib * 256 // 2))


def case_fds(tmp, slow):
    """A program that closes every descriptor it did not open (close,
    close_range, closefrom, dup2 over each), then forks a child that does
    it again: uao's userfaultfd, swap file, io_uring and fork pipe must
    survive it, and the memory read back right in parent and child."""
    if not FD_CLOSER:
        raise Fail("FD_CLOSER not set")
    for mode in ("close", "close_range", "closefrom", "dup2"):
        say("fd_closer 64 MiB %s" % mode)
        pair(tmp, "fds-" + mode, [FD_CLOSER, "64", mode], "16M")
        with open(os.path.join(tmp, "fds-%s.uao" % mode)) as f:
            text = f.read()
        if text.count(" 0 wrong words") != 3:
            raise Fail("fds %s: wrong words read back: %r" % (mode, text))


def case_filemap(tmp, slow):
    """A private, writable file mapping (as the JVM maps its class-data
    archive) becomes a region holding a copy of the file: written past
    the RAM limit it pages, and it behaves as the file mapping does
    (reads as the file, SIGBUS past its end, MADV_DONTNEED reads the file
    again, munmap and MAP_FIXED of parts): the output is the plain run's."""
    if not FILEMAP:
        raise Fail("FILEMAP not set")
    mib = 96 if slow else 48
    say("filemap %d MiB" % mib)
    rep = pair(tmp, "filemap", [FILEMAP, tmp, str(mib)], "16M")
    with open(os.path.join(tmp, "filemap.uao")) as f:
        text = f.read()
    if "all checks passed" not in text or "SIGBUS" not in text:
        raise Fail("filemap: %r" % text)
    if rep["mmaps_adopted"] < 2:
        raise Fail("filemap: %d mmaps made regions, want the two file "
                   "mappings" % rep["mmaps_adopted"])


def check_share(rep, what, want=0.9):
    """At peak, at least `want' of the program's own anonymous resident
    memory (all of it less uao's own) was under uao; the parts of the
    breakdown add up to the whole."""
    parts = ("uao_at_peak", "uao_own_peak", "brk_peak", "stacks_peak",
             "filecow_peak", "other_peak")
    total = rep["rss_anon_peak"]
    if sum(rep[k] for k in parts) != total:
        raise Fail("%s: the breakdown %s does not add up to rss_anon_peak %d"
                   % (what, {k: rep[k] for k in parts}, total))
    own = total - rep["uao_own_peak"]
    under = rep["uao_at_peak"]
    share = under / max(1, own)
    if not 0 <= rep["uao_meta_peak"] <= rep["uao_own_peak"]:
        raise Fail("%s: jemalloc's metadata %d is not a part of uao's own %d"
                   % (what, rep["uao_meta_peak"], rep["uao_own_peak"]))
    say("  %s: at peak %.1f MiB anonymous: under uao %.1f MiB, uao's own "
        "%.1f (jemalloc's metadata %.1f), brk %.1f, stacks %.1f, private "
        "file pages %.1f, other %.1f: %.1f%% of the program's own under "
        "uao"
        % (what, total / 2**20, rep["uao_at_peak"] / 2**20,
           rep["uao_own_peak"] / 2**20, rep["uao_meta_peak"] / 2**20,
           rep["brk_peak"] / 2**20,
           rep["stacks_peak"] / 2**20, rep["filecow_peak"] / 2**20,
           rep["other_peak"] / 2**20, 100 * share))
    if share < want:
        raise Fail("%s: %.1f%% of the program's own anonymous memory under "
                   "uao at peak, want at least %.0f%%"
                   % (what, 100 * share, 100 * want))


def case_node(tmp, slow):
    """node (V8), an object-heavy heap: V8 reserves its heap PROT_NONE
    and makes it accessible piecemeal with mprotect; the reservations are
    regions, so its heap pages under the RAM limit.  The output must not
    change, and at least 90% of node's own anonymous memory is uao's."""
    node = shutil.which("node")
    if node is None:
        say("SKIP: no node on this machine")
        sys.exit(SKIP)
    n = 150000 if slow else 60000
    say("node objheap.js %d" % n)
    rep = pair(tmp, "node", [node, os.path.join(SRC, "objheap.js"), str(n)],
               "48M")
    check_share(rep, "node")


def case_python_share(tmp, slow):
    """CPython (the issue's dictsort.py): 400000 dict entries, sorted.
    Minutes under --ram 48M: suite slow only."""
    say("python3 dictsort.py")
    rep = pair(tmp, "dictsort", [PY, os.path.join(SRC, "dictsort.py")],
               "48M")
    check_share(rep, "dictsort")


def case_java(tmp, slow):
    """Java (FillHeap.java) fills its heap with records and sorts them.
    The JVM commits its PROT_NONE heap reservation with mmap(MAP_FIXED)
    and mprotect: both become regions.  Its class-data archive
    (classes.jsa), mapped privately from a file and written, is a region
    holding a copy of the file (case filemap)."""
    java, javac = shutil.which("java"), shutil.which("javac")
    if java is None or javac is None:
        say("SKIP: no java/javac on this machine")
        sys.exit(SKIP)
    r = subprocess.run([javac, "-d", tmp, os.path.join(SRC, "FillHeap.java")],
                       capture_output=True)
    if r.returncode != 0:
        raise Fail("javac FillHeap.java: %s" % r.stderr.decode())
    n = 150000
    say("java FillHeap %d" % n)
    rep = pair(tmp, "java", [java, "-cp", tmp, "FillHeap", str(n)], "48M")
    check_share(rep, "java")


def expect_refusal(args, words, what):
    """uao ARGS must exit 2 with one line on stderr containing words."""
    r = uao(args, timeout=120)
    err = r.stderr.decode(errors="replace")
    lines = [l for l in err.splitlines() if l.strip()]
    if r.returncode != 2:
        raise Fail("%s: exit status %d, want 2 (stderr %r)"
                   % (what, r.returncode, err))
    if len(lines) != 1:
        raise Fail("%s: %d lines on stderr, want one: %r"
                   % (what, len(lines), err))
    for w in words:
        if w not in lines[0]:
            raise Fail("%s: the message does not name %r: %r"
                       % (what, w, lines[0]))
    if r.stdout:
        raise Fail("%s: unexpected output %r" % (what, r.stdout[:200]))
    say("  %-28s exit 2: %s" % (what, lines[0]))


def case_refuse(tmp, slow):
    say("refusals: one line naming the value, exit status 2")
    if STATIC_HELLO:
        expect_refusal(["run", "--", STATIC_HELLO],
                       [STATIC_HELLO, "statically linked"], "static binary")
    expect_refusal(["run", "--ram", "12Q", "--", "/bin/true"], ["12Q"],
                   "bad --ram size")
    expect_refusal(["run", "--ram", "64", "--", "/bin/true"], ["64"],
                   "--ram too small")
    expect_refusal(["run", "--swap", os.path.join(tmp, "s") + ":12X", "--",
                    "/bin/true"], ["12X"], "bad --swap size")
    expect_refusal(["run", "--", "no-such-program-uao"],
                   ["no-such-program-uao"], "missing program")
    expect_refusal(["run", "--", "/etc/hostname"], ["/etc/hostname"],
                   "not a program")
    expect_refusal(["run", "--swap", "/proc/uao-swap:64M", "--", "/bin/true"],
                   ["/proc/uao-swap"], "unwritable swap path")
    expect_refusal(["run", "--swap", "/nonexistent-dir/swap:64M", "--",
                    "/bin/true"], ["/nonexistent-dir/swap"],
                   "swap in missing directory")
    expect_refusal(["run", "--swap", os.path.join(tmp, "missing"), "--",
                    "/bin/true"], [os.path.join(tmp, "missing")],
                   "swap file without a size")
    expect_refusal(["run", "--handlers", "0", "--", "/bin/true"], ["0"],
                   "bad --handlers")
    expect_refusal(["run"], ["program"], "no program")
    pid = unused_pid()
    expect_refusal(["stat", str(pid)], [str(pid)], "stat of an unknown PID")
    expect_refusal(["swapctl", str(pid), "--list"], [str(pid)],
                   "swapctl of an unknown PID")
    expect_refusal(["stat", "12abc"], ["12abc"], "stat of a bad PID")
    expect_refusal(["swapctl", str(pid), "--bogus"], ["--bogus"],
                   "swapctl bad option")
    # a program that exists but is no program under uao
    expect_refusal(["stat", str(os.getpid())], [str(os.getpid())],
                   "stat of a PID not under uao")


def private_env(tmp):
    """TMPDIR and XDG_RUNTIME_DIR of our own, to see what uao leaves."""
    env = dict(os.environ)
    env["TMPDIR"] = os.path.join(tmp, "tmp")
    env["XDG_RUNTIME_DIR"] = os.path.join(tmp, "xdg")
    os.makedirs(env["TMPDIR"], exist_ok=True)
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
    return env


def left_in(env):
    """What is in the private directories, but for uao's control
    directory itself."""
    left = []
    for top in (env["TMPDIR"], env["XDG_RUNTIME_DIR"]):
        for d, dirs, files in os.walk(top):
            for n in dirs + files:
                p = os.path.join(d, n)
                if p != os.path.join(env["XDG_RUNTIME_DIR"], "uao"):
                    left.append(p)
    return left


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def case_leftovers(tmp, slow):
    """Nothing left behind: control sockets of programs that end without
    exit(3), the run directory of a killed `uao run', and the program of a
    killed `uao run' is stopped too."""
    say("leftovers: sockets and directories after every kind of end")
    env = private_env(tmp)
    ends = {
        "exit": "import sys; sys.exit(3)",
        "_exit": "import os; os._exit(4)",
        "SIGKILL": "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
        "SIGTERM": "import os, signal; os.kill(os.getpid(), signal.SIGTERM)",
        "fork+_exit": "import os\nif os.fork() == 0: os._exit(0)\n"
                      "os.wait(); os.kill(os.getpid(), 9)",
    }
    for what, code in ends.items():
        r = uao(["run", "--ram", "8M", "--", PY, "-c", code], env=env,
                timeout=120)
        if r.returncode in (0, 2) or r.returncode == 1:
            raise Fail("leftovers: %s: exit %d: %s"
                       % (what, r.returncode, r.stderr.decode()[-300:]))
        left = left_in(env)
        if left:
            raise Fail("leftovers: after a program's %s: %s" % (what, left))
        say("  %s (exit %d): nothing left" % (what, r.returncode))

    # uao run itself killed: its program goes too, and the next run
    # sweeps what the killed one could not remove
    p = spawn([UAO, "run", "--ram", "8M", "--", PY, "-c",
               "import time; time.sleep(600)"], env=env,
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child = None
    deadline = time.monotonic() + 60
    while child is None and time.monotonic() < deadline:
        try:
            kids = open("/proc/%d/task/%d/children"
                        % (p.pid, p.pid)).read().split()
        except OSError:
            kids = []
        sock = [n for n in os.listdir(os.path.join(env["XDG_RUNTIME_DIR"],
                                                   "uao"))
                if n.endswith(".sock")] if os.path.isdir(
            os.path.join(env["XDG_RUNTIME_DIR"], "uao")) else []
        if kids and sock:
            child = int(kids[0])
        else:
            time.sleep(0.1)
    if child is None:
        p.kill()
        raise Fail("leftovers: the program under uao run never started")
    p.kill()
    p.wait()
    deadline = time.monotonic() + 30
    while pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_alive(child):
        os.kill(child, 9)
        raise Fail("leftovers: uao run was killed, its program %d runs on"
                   % child)
    say("  uao run killed: its program (pid %d) was stopped too" % child)
    left = left_in(env)
    if not any("run.%d." % p.pid in x for x in left):
        raise Fail("leftovers: expected the killed run's directory: %s"
                   % left)
    r = uao(["run", "--ram", "8M", "--", "/bin/true"], env=env, timeout=60)
    if r.returncode != 0:
        raise Fail("leftovers: /bin/true: %s" % r.stderr.decode())
    left = left_in(env)
    if left:
        raise Fail("leftovers: the next run did not sweep: %s" % left)
    say("  the next uao run swept what the killed one left")


def case_writefail(tmp, slow):
    """Swap writes that fail are said as such, device by device, and the
    report (its bad slots) is printed before the program is stopped."""
    say("writefail: every swap write fails (injected EIO)")
    sw = os.path.join(tmp, "w.swap")
    stats = os.path.join(tmp, "w.json")
    r = uao(["run", "--ram", "4M", "--swap", sw + ":8M", "--inject",
             "0 w 0 1000000", "--stats", stats, "--json", "--", PY, "-c",
             "x = bytearray(64 << 20)\n"
             "for i in range(0, len(x), 4096): x[i] = 1\n"], timeout=300)
    err = r.stderr.decode(errors="replace")
    if r.returncode != 137:
        raise Fail("writefail: exit %d (want 137, stopped): %s"
                   % (r.returncode, err[-400:]))
    line = [x for x in err.splitlines() if "swap writes failed" in x]
    if len(line) != 1 or sw not in line[0] or "bad slots" not in line[0] \
            or "Input/output error" not in line[0]:
        raise Fail("writefail: the stop message does not name the device, "
                   "its bad slots and the error: %r" % err[-600:])
    if "swap is full" in err:
        raise Fail("writefail: still said as 'swap is full': %r" % err)
    rep = report_of(stats)
    dev = rep["swap"]["devices"][0]
    if dev["bad"] == 0 or dev["write_errors"] == 0:
        raise Fail("writefail: the report shows no bad slot: %r" % dev)
    say("  %s" % line[0])
    say("  report: %d bad slots, %d write errors" % (dev["bad"],
                                                      dev["write_errors"]))


def case_check(tmp, slow):
    """`uao stat --check' on a busy program: a verdict, or "too busy" with
    its own exit status (3), never FAILED without a reason."""
    say("check: uao stat --check on a program paging hard")
    code = ("import time\nx = bytearray(48 << 20)\nt = time.time()\n"
            "while time.time() - t < 60:\n"
            "    for i in range(0, len(x), 4096): x[i] = (x[i] + 1) & 255\n")
    env = private_env(tmp)
    p = spawn([UAO, "run", "--ram", "8M", "--", PY, "-c", code],
              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        pid = None
        deadline = time.monotonic() + 60
        while pid is None and time.monotonic() < deadline:
            try:
                kids = open("/proc/%d/task/%d/children"
                            % (p.pid, p.pid)).read().split()
            except OSError:
                kids = []
            for k in kids:
                if uao(["stat", k], env=env).returncode == 0:
                    pid = int(k)
            time.sleep(0.1)
        if pid is None:
            raise Fail("check: no program under uao to check")
        verdicts = {}
        for _ in range(8):
            r = uao(["stat", "--check", str(pid)], env=env, timeout=120)
            out = r.stdout.decode(errors="replace")
            last = out.strip().splitlines()[-1] if out.strip() else ""
            verdicts[r.returncode] = verdicts.get(r.returncode, 0) + 1
            if r.returncode == 0 and last != "check: every invariant holds":
                raise Fail("check: exit 0 but %r" % last)
            elif r.returncode == 3 and "too busy" not in last:
                raise Fail("check: exit 3 but %r" % last)
            elif r.returncode == 1:
                raise Fail("check: an invariant is broken: %r" % last)
            elif r.returncode not in (0, 3):
                raise Fail("check: exit %d: %r %r" % (
                    r.returncode, last, r.stderr.decode()))
            if last.rstrip().endswith("FAILED:"):
                raise Fail("check: FAILED without a reason")
        say("  8 checks: %s" % ", ".join(
            "%d exited %d" % (n, rc) for rc, n in sorted(verdicts.items())))
    finally:
        p.terminate()  # forwarded to the program: uao run cleans up
        p.wait()
    left = left_in(env)
    if left:
        raise Fail("check: left behind: %s" % left)


def unused_pid():
    pid = 4000000
    while os.path.exists("/proc/%d" % pid):
        pid += 1
    return pid


class Gated:
    """A program under uao run that works in passes, each started by a
    line on its stdin, so that swapctl runs while it works."""

    def __init__(self, tmp, argv, ram, swaps, name):
        self.stats = os.path.join(tmp, name + ".json")
        self.out = os.path.join(tmp, name + ".uao")
        args = [UAO, "run", "--ram", ram, "--stats", self.stats, "--json"]
        for s in swaps:
            args += ["--swap", s]
        self.outf = open(self.out, "wb")
        self.p = spawn(args + ["--"] + argv, stdin=subprocess.PIPE,
                       stdout=self.outf, stderr=subprocess.PIPE, cwd=tmp)
        self.pid = None

    def find_pid(self, prog):
        """The program's pid: the child of `uao run' (its runtime's
        control socket answers `uao stat')."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                kids = open("/proc/%d/task/%d/children"
                            % (self.p.pid, self.p.pid)).read().split()
            except OSError:
                kids = []
            for k in kids:
                r = uao(["stat", k])
                if r.returncode == 0:
                    self.pid = int(k)
                    return self.pid
            if self.p.poll() is not None:
                raise Fail("%s exited early: %s"
                           % (prog, self.p.stderr.read().decode()))
            time.sleep(0.1)
        raise Fail("no %s under uao to talk to" % prog)

    def gate(self):
        self.p.stdin.write(b"go\n")
        self.p.stdin.flush()

    def finish(self):
        self.p.stdin.close()
        err = self.p.stderr.read().decode(errors="replace")
        rc = self.p.wait(timeout=600)
        self.outf.close()
        return rc, err


def swapctl(pid, *args):
    r = uao(["swapctl", str(pid)] + list(args), timeout=600)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def listed(pid):
    rc, out, err = swapctl(pid, "--list")
    if rc != 0:
        raise Fail("swapctl --list: %s" % err)
    paths = []
    for line in out.splitlines()[1:]:
        paths.append(line.split()[-1])
    return paths


def wait_lines(path, n, proc, what):
    """Wait until the program has printed n lines (its passes)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with open(path, "rb") as f:
            if f.read().count(b"\n") >= n:
                return
        if proc.poll() is not None:
            raise Fail("%s exited early" % what)
        time.sleep(0.05)
    raise Fail("%s: no pass %d" % (what, n))


def case_swapctl(tmp, slow):
    """Remove and add swap devices of a running program while it works."""
    mib = 96 if slow else 40
    a, b, c = (os.path.join(tmp, n) for n in ("swapA", "swapB", "swapC"))
    # at the start of each pass after the first, one operation; a device
    # removed holds pages (the previous pass put them there), and the
    # program works on its memory while they are taken back
    plan = [("--add", b + ":256M:prio=1"), ("--remove", a),
            ("--add", a + ":256M"), ("--remove", b),
            ("--add", c + ":256M:prio=2"), ("--remove", a),
            ("--add", b + ":256M"), ("--remove", c)]
    passes = len(plan) + 1
    argv = [PY, os.path.join(SRC, "passes.py"), str(mib), str(passes)]
    say("swapctl: passes.py %d MiB, %d passes, a device added or removed "
        "during each pass" % (mib, passes))
    plain = os.path.join(tmp, "swapctl.plain")
    with open(plain, "wb") as f:
        r = subprocess.run(argv, input=b"go\n" * passes, stdout=f,
                           stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise Fail("passes.py failed plainly: %s" % r.stderr.decode())

    g = Gated(tmp, argv, "16M", [a + ":256M"], "swapctl")
    pid = g.find_pid("passes.py")
    g.gate()
    moved = 0
    for i, (op, arg) in enumerate(plan):
        wait_lines(g.out, i + 1, g.p, "swapctl")
        before = {d["path"]: d["inuse"] for d in stat_json(pid)["swap"]["devices"]}
        g.gate()
        rc, out, err = swapctl(pid, op, arg)
        if rc != 0:
            raise Fail("swapctl %s %s during pass %d: exit %d: %s"
                       % (op, arg, i + 1, rc, err.strip()))
        if op == "--remove":
            moved += before.get(arg, 0)
            if before.get(arg, 0) == 0:
                raise Fail("swapctl: %s held no page when removed" % arg)
        say("  pass %d: swapctl %s %s (%d pages in use on it): ok; now %s"
            % (i + 1, op, os.path.basename(arg.split(":")[0]),
               before.get(arg, 0),
               " ".join(os.path.basename(p) for p in listed(pid))))
    rc, err = g.finish()
    if "panic" in err:
        raise Fail("swapctl: %s" % err.strip())
    compare((0, plain), (rc, g.out), "swapctl")
    rep = report_of(g.stats)
    check_paged(rep, "swapctl")
    if rep["paging"]["swapoff_pages"] == 0:
        raise Fail("swapctl: no page was paged in by a swapoff")
    say("  %d pages paged in by swapoffs" % rep["paging"]["swapoff_pages"])


def stat_json(pid):
    r = uao(["stat", "--json", str(pid)])
    if r.returncode != 0:
        raise Fail("uao stat %d: %s" % (pid, r.stderr.decode()))
    return json.loads(r.stdout)


def case_enomem(tmp, slow):
    """A swapoff that cannot fit: ENOMEM, one clear line, device stays."""
    a = os.path.join(tmp, "swapA")
    argv = [PY, os.path.join(SRC, "passes.py"), "48", "2"]
    say("swapctl --remove that must fail with ENOMEM (48 MiB in swap, "
        "8 MiB RAM, no other device)")
    plain = os.path.join(tmp, "enomem.plain")
    with open(plain, "wb") as f:
        subprocess.run(argv, input=b"go\n" * 2, stdout=f, check=True)
    g = Gated(tmp, argv, "8M", [a + ":128M"], "enomem")
    pid = g.find_pid("passes.py")
    g.gate()  # pass 0 builds the objects
    # wait until the pass is done and its pages are out: the program then
    # waits for its next line
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        st = stat_json(pid)
        if st["swap"]["inuse"] > (40 << 20) // 4096:
            break
        time.sleep(0.2)
    else:
        raise Fail("enomem: the program's pages did not go to swap")
    before = listed(pid)
    rc, out, err = swapctl(pid, "--remove", a)
    lines = [l for l in err.splitlines() if l.strip()]
    say("  swapctl --remove: exit %d: %s" % (rc, err.strip()))
    if rc != 1 or len(lines) != 1 or "ENOMEM" not in lines[0] or \
            "stays on" not in lines[0]:
        raise Fail("enomem: want exit 1 and one line saying ENOMEM and that "
                   "the device stays on; got %d %r" % (rc, err))
    after = listed(pid)
    if after != before or a not in after:
        raise Fail("enomem: devices %s before, %s after" % (before, after))
    rc, out, err = swapctl(pid, "--remove", os.path.join(tmp, "nosuch"))
    if rc != 2 or "no such swap device" not in err:
        raise Fail("enomem: removing an unknown device: %d %r" % (rc, err))
    say("  swapctl --remove of an unknown device: exit 2: %s" % err.strip())
    rc, out, err = swapctl(pid, "--add", a + ":64M")
    if rc != 2 or "already" not in err:
        raise Fail("enomem: adding a device twice: %d %r" % (rc, err))
    say("  swapctl --add of a device it has: exit 2: %s" % err.strip())
    g.gate()  # pass 1 reads everything back
    rc, err = g.finish()
    compare((0, plain), (rc, g.out), "enomem")
    check_paged(report_of(g.stats), "enomem")


def case_swaplock(tmp, slow):
    """A named swap file is one process's: a second uao run is refused;
    a program exec'd under uao (which inherits --swap) gets a file of its
    own, and neither corrupts the other."""
    a = os.path.join(tmp, "swapA")
    say("swap file locks: a second uao run, and exec'd children, on one "
        "--swap file")
    g = Gated(tmp, [PY, os.path.join(SRC, "passes.py"), "8", "1"], "8M",
              [a + ":64M"], "lock1")
    g.find_pid("passes.py")
    r = uao(["run", "--swap", a + ":64M", "--", "/bin/true"])
    err = r.stderr.decode()
    if r.returncode != 2 or "in use as swap" not in err or a not in err:
        raise Fail("swaplock: second run: exit %d %r" % (r.returncode, err))
    say("  second uao run on %s: exit 2: %s" % (a, err.strip()))
    g.gate()
    rc, err = g.finish()
    if rc != 0:
        raise Fail("swaplock: first run failed: %s" % err)
    # parent and exec'd child both page through --swap FILE
    code = ("import subprocess, sys, hashlib, random\n"
            "r = random.Random(3)\n"
            "x = [r.randbytes(4000) for _ in range(%d)]\n"
            "c = subprocess.run([sys.executable, '-c', %r], capture_output=True,"
            " check=True).stdout.decode().strip()\n"
            "h = hashlib.sha256()\n"
            "for b in x: h.update(b)\n"
            "print('parent', h.hexdigest(), 'child', c)\n")
    child = ("import hashlib, random\n"
             "r = random.Random(4)\n"
             "x = [r.randbytes(4000) for _ in range(8192)]\n"
             "h = hashlib.sha256()\n"
             "for b in x: h.update(b)\n"
             "print(h.hexdigest())\n")
    rep = pair(tmp, "swaplock", [PY, "-c", code % (8192, child)], "8M",
               extra=["--swap", a + ":128M"])
    devs = [d["path"] for d in rep["swap"]["devices"]]
    if devs != [a]:
        raise Fail("swaplock: the program's devices are %s" % devs)


CASES = {
    "python": case_python,
    "sort": case_sort,
    "sqlite": case_sqlite,
    "threads": case_threads,
    "forks": case_forks,
    "fds": case_fds,
    "filemap": case_filemap,
    "node": case_node,
    "dictsort": case_python_share,
    "java": case_java,
    "refuse": case_refuse,
    "swapctl": case_swapctl,
    "enomem": case_enomem,
    "swaplock": case_swaplock,
    "leftovers": case_leftovers,
    "writefail": case_writefail,
    "check": case_check,
}


class Interrupted(Exception):
    """SIGTERM or SIGHUP (meson's timeout, a closed terminal)"""


def on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in CASES:
        print("usage: run_test.py {%s} [--slow]" % ",".join(CASES))
        return 2
    slow = "--slow" in sys.argv[2:]
    say("run_test %s%s: seed %d (UAO_TEST_SEED), uao %s"
        % (sys.argv[1], " (slow)" if slow else "", SEED, UAO))
    probe()
    tmp = tempfile.mkdtemp(prefix="uao-run-%s." % sys.argv[1])
    # a stopped run leaves nothing behind (subprocess.run kills the
    # program it waits for when the exception passes through it, and
    # kill_live the ones started with spawn)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        CASES[sys.argv[1]](tmp, slow)
    except Fail as e:
        say("FAIL: %s" % e)
        say("(files kept in %s)" % tmp)
        return 1
    except (Interrupted, KeyboardInterrupt) as e:
        kill_live()
        say("stopped by %s: %s removed" % (str(e) or "SIGINT", tmp))
        shutil.rmtree(tmp, ignore_errors=True)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    say("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
