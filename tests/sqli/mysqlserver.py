"""A throwaway MariaDB server (MySQL protocol) for the executed JS autofix tests of mysql/mysql2.

mariadb-install-db + mariadbd from Debian's mariadb-server-core (installed by `make test` via
scripts/ensure-node-drivers.sh), in a fresh temp dir, on a Unix socket only (no TCP), with grant
tables skipped (any user connects); stopped and removed afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def _binary(name: str) -> str:
    found = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if not found:
        raise RuntimeError(f"{name} not found: run scripts/ensure-node-drivers.sh (make test does)")
    return found


class MariaDBServer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="br-mariadb-"))
        self.socket = self.dir / "mysqld.sock"
        self.proc: subprocess.Popen | None = None
        # as root mariadbd must be told to stay root; as a user the option is ignored
        self._user = ["--user=root"] if os.geteuid() == 0 else []

    def start(self) -> MariaDBServer:
        install = subprocess.run([_binary("mariadb-install-db"), "--no-defaults", f"--datadir={self.dir / 'data'}",
                                  "--auth-root-authentication-method=normal", "--skip-test-db", *self._user],
                                 capture_output=True, text=True, timeout=180)
        if install.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {install.stdout}{install.stderr}")
        log = self.dir / "server.log"
        self.proc = subprocess.Popen([_binary("mariadbd"), "--no-defaults", f"--datadir={self.dir / 'data'}",
                                      f"--socket={self.socket}", "--skip-networking", "--skip-grant-tables",
                                      f"--pid-file={self.dir / 'mysqld.pid'}", f"--log-error={log}",
                                      "--innodb-buffer-pool-size=16M", *self._user],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not (log.exists() and "ready for connections" in log.read_text(errors="replace")):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mariadbd did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
