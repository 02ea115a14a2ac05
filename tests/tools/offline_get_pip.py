"""Install an offline stand-in for the get-pip script that ansible-test downloads.

ansible-test bootstraps pip into every virtual environment it makes with
``get-pip-<version>.py`` fetched once from ci-files.testing.ansible.com and cached
as ``~/.ansible/test/cache/get_pip_<version with _>.py``. That host is out of
reach here (only package registries are), so this writes a small script at the
cached path that runs pip from a wheel fetched with ``pip download``.

Run it with the Python of the virtual environment whose ansible-test will be
used: the pip version is read from that ansible-test. Idempotent.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

MARKER = '# backupops.jobs offline get-pip stand-in'

STAND_IN = '''\
{marker}
"""Run pip {version} from its wheel, like get-pip.py does (written by tests/tools/offline_get_pip.py)."""
import os
import sys

WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), {wheel!r})
# get-pip.py options that pip install itself does not know.
DROP = ('--no-setuptools', '--no-wheel')


def main():
    sys.path.insert(0, WHEEL)
    from pip._internal.cli.main import main as pip_main

    args = [arg for arg in sys.argv[1:] if arg not in DROP]
    return pip_main(['install', '--find-links', os.path.dirname(WHEEL)] + args)


if __name__ == '__main__':
    sys.exit(main())
'''


def wanted_pip_version() -> str:
    """Return the pip version that the installed ansible-test bootstraps."""
    import ansible_test  # pylint: disable=import-outside-toplevel

    source = Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
    match = re.search(r"""\bpip=['"]([^'"]+)['"]""", source.read_text(encoding='utf-8'))
    if not match:
        raise SystemExit('offline_get_pip: no pip= default found in %s' % source)
    return match.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cache', default=os.path.expanduser('~/.ansible/test/cache'),
                        help='ansible-test cache folder (default: %(default)s)')
    args = parser.parse_args()

    version = wanted_pip_version()
    cache = Path(args.cache)
    script = cache / ('get_pip_%s.py' % version.replace('.', '_'))
    wheel = cache / ('pip-%s-py3-none-any.whl' % version)

    if script.exists() and (wheel.exists() or MARKER not in script.read_text(encoding='utf-8')):
        # Ours with its wheel, or a real get-pip.py that ansible-test fetched: keep it.
        print('offline_get_pip: %s already in place' % script)
        return 0

    cache.mkdir(parents=True, exist_ok=True)
    if not wheel.exists():
        # pip's own chatter (index warnings) is shown only when it fails.
        result = subprocess.run(
            [sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check',
             '--no-deps', '--only-binary', ':all:', '-d', str(cache), 'pip==%s' % version],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False,
        )
        if result.returncode:
            sys.stderr.write(result.stdout[-4000:])
            raise SystemExit('offline_get_pip: pip download pip==%s failed' % version)
    if not wheel.exists():
        raise SystemExit('offline_get_pip: pip download did not produce %s' % wheel)

    temp = script.with_suffix('.tmp')
    temp.write_text(STAND_IN.format(marker=MARKER, version=version, wheel=wheel.name), encoding='utf-8')
    temp.replace(script)
    print('offline_get_pip: wrote %s (pip %s)' % (script, version))
    return 0


if __name__ == '__main__':
    sys.exit(main())
