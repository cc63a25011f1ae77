"""A throwaway PostgreSQL cluster for the executed autofix tests.

initdb + pg_ctl from Debian's postgresql (installed by `make test` via scripts/ensure-postgres.sh),
in a fresh temp dir, listening only on a Unix socket in that dir; stopped and removed afterwards.
PostgreSQL refuses to run as root: as root the server runs as the unprivileged `postgres` user
(created by the Debian package) through runuser."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise RuntimeError("PostgreSQL server binaries not found: run scripts/ensure-postgres.sh (make test does)")


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.dir = Path(tempfile.mkdtemp(prefix="br-pg-"))
        self.data = self.dir / "data"
        self.port = 5432
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self._as_user, *args], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            log = (self.dir / "server.log")
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {proc.stdout}{proc.stderr}{detail}")

    def start(self) -> PostgresCluster:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "br",
                  "-E", "UTF8", "--no-sync", "--locale=C")
        options = f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.dir / "server.log"), "-w", "-t", "60", "start")
        return self

    @property
    def conninfo(self) -> str:
        return f"host={self.dir} port={self.port} user=br dbname=postgres"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
