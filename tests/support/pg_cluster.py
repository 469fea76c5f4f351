"""A throwaway PostgreSQL cluster for the store tests and the load test (bench/load_test.py
``--replicas 2``): Debian's server binaries, a temporary data
folder, a free loopback port, the unix socket inside the folder; stopped and removed afterwards.

initdb refuses to run as root, so as root the server runs as the ``postgres`` system user (which
Debian's ``postgresql`` package creates), else as ``nobody``.  Every failure raises
:class:`PostgresUnavailable` with the server log: the store suite fails rather than skips.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "mscdm"
START_TIMEOUT_SECONDS = 60


class PostgresUnavailable(RuntimeError):
    """The throwaway cluster could not be created or started."""


def server_bin_dir() -> Path:
    """The folder of initdb/pg_ctl: ``$MSCDM_PG_BIN``, else Debian's newest ``/usr/lib/postgresql/*/bin``,
    else wherever ``initdb`` is on PATH."""
    if os.environ.get("MSCDM_PG_BIN"):
        return Path(os.environ["MSCDM_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailable("PostgreSQL server binaries not found: apt-get install postgresql "
                              "(or set MSCDM_PG_BIN to the folder holding initdb and pg_ctl)")


def _server_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root, and neither a 'postgres' nor a 'nobody' user exists")


def _world_traversable(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresCluster:
    """A running cluster: ``url(dbname)`` connects as the superuser over loopback TCP."""

    root: Path
    port: int
    bin_dir: Path
    user: pwd.struct_passwd | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        kw = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []} if self.user else {}
        return subprocess.run([str(self.bin_dir / args[0]), *args[1:]], cwd=self.root, capture_output=True,
                              text=True, timeout=START_TIMEOUT_SECONDS + 30, **kw)

    def log_tail(self) -> str:
        log = self.root / "server.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else "(no server log)"

    def create_database(self, name: str) -> str:
        """Create database ``name`` (a plain identifier) and return its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    """initdb into a fresh temporary folder and start the server on a free loopback port."""
    base = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not _world_traversable(base):
        base = Path("/tmp")            # the server user must reach its folder
    root = Path(tempfile.mkdtemp(prefix="mscdm-pg-", dir=base))
    user = _server_user()
    if user:
        os.chown(root, user.pw_uid, user.pw_gid)
    cluster = PostgresCluster(root, _free_port(), server_bin_dir(), user)
    try:
        init = cluster._run("initdb", "-D", str(cluster.data_dir), "-U", SUPERUSER, "--auth=trust",
                            "--encoding=UTF8", "--locale=C", "--no-sync")
        if init.returncode:
            raise PostgresUnavailable(f"initdb failed ({init.returncode}): {init.stderr[-2000:]}")
        options = (f"-c listen_addresses=127.0.0.1 -c port={cluster.port} -c unix_socket_directories={root} "
                   "-c fsync=off -c max_connections=100")
        start = cluster._run("pg_ctl", "-D", str(cluster.data_dir), "-l", str(root / "server.log"), "-w",
                             "-t", str(START_TIMEOUT_SECONDS), "-o", options, "start")
        if start.returncode:
            raise PostgresUnavailable(f"pg_ctl start failed ({start.returncode}): {start.stderr[-1000:]}\n"
                                      f"server log:\n{cluster.log_tail()}")
        _wait_ready(cluster)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_ready(cluster: PostgresCluster) -> None:
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            with psycopg.connect(cluster.url(), connect_timeout=5) as con:
                con.execute("SELECT 1")
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"server did not accept connections: {exc}\n{cluster.log_tail()}") from exc
            time.sleep(0.2)
