"""Command line: serve a scenario until SIGTERM or SIGINT; the first stdout line is the base URL."""

import argparse
import os
import shlex
import signal
import sys
import threading

from .scenario import ScenarioError
from .server import Emulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--scenario", required=True, help="scenario YAML file, or the name of a bundled one (basic, demo)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: any free port)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away CA; prints ca=<path> as the second line")
    parser.add_argument("--cert-dir", help="where to write the CA and server certificate (default: a temporary directory)")
    parser.add_argument("--cert-hostname", help="issue the certificate for this name only (implies --tls), e.g. wrong.example")
    parser.add_argument("--shell-env", metavar="DIR",
                        help="after the URL, print export lines for NAKIVO_* and COMMVAULT_*; the passwords go to files in DIR")
    parser.add_argument("--commvault-root", default="/commandcenter/api", help="web service root in COMMVAULT_URL (with --shell-env)")
    args = parser.parse_args(argv)
    try:
        emulator = Emulator(args.scenario, tls=args.tls, cert_hostname=args.cert_hostname, host=args.host, port=args.port,
                            cert_dir=args.cert_dir)
    except (OSError, ScenarioError) as error:
        sys.stderr.write(f"emulator: {error}\n")
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emulator.start()
    try:
        sys.stdout.write(emulator.url + "\n")
        if emulator.tls:
            sys.stdout.write(f"ca={emulator.ca_path}\n")
        if args.shell_env:
            sys.stdout.write(shell_env(emulator, args.shell_env, args.commvault_root))
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
    return 0


def shell_env(emulator, directory, commvault_root):
    """Export lines for the scenario's first user of each vendor; a password is read from a file, never printed."""
    os.makedirs(directory, exist_ok=True)
    lines = []
    for prefix, config, url in (("NAKIVO", emulator.scenario.nakivo, emulator.url),
                                ("COMMVAULT", emulator.scenario.commvault, emulator.url + commvault_root)):
        if not config.users:
            continue
        password_file = os.path.join(directory, prefix.lower() + "-password")
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(config.users[0].password)
        lines += [f"export {prefix}_URL={shlex.quote(url)}", f"export {prefix}_USERNAME={shlex.quote(config.users[0].username)}",
                  f'export {prefix}_PASSWORD="$(cat {shlex.quote(password_file)})"']
        if emulator.tls:
            lines.append(f"export {prefix}_CA_PATH={shlex.quote(emulator.ca_path)}")
    return "".join(line + "\n" for line in lines)


if __name__ == "__main__":
    sys.exit(main())
