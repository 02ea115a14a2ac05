"""Command line: serve a scenario until SIGTERM or SIGINT; the first stdout line is the base URL."""

import argparse
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
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
