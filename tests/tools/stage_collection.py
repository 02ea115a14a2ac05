"""Mirror the collection's files into a real ``ansible_collections/NS/NAME`` folder.

ansible-test must run from a path ending in ``ansible_collections/NS/NAME`` and
takes its working directory from ``os.getcwd()``, which resolves symlinks; pytest
too names test modules from resolved paths. So a symlink to the work tree will
not do: this copies the files git would hand over (tracked plus untracked, less
ignored ones) and removes files that are gone, keeping ``tests/output``.

The mirror gets a git repository of its own (nothing committed): ansible-test
lists files through the nearest ``.git`` above its working directory, and the
work tree's own would list none of the mirror's files (``build/`` is ignored).

Usage: python stage_collection.py SOURCE_ROOT DESTINATION
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

KEEP = 'tests/output'
MIRROR_GIT = '.git'
# Used only where SOURCE_ROOT is no git work tree.
SKIP_DIRS = {'.git', '.venv', '.venv-compat', 'build', '__pycache__', '.pytest_cache', '.hypothesis', '.ansible'}


def source_files(root: str) -> set[str]:
    """Return the relative paths of the files (and symlinks) to mirror."""
    try:
        out = subprocess.run(
            ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
        ).stdout.decode('utf-8')
        names = [name for name in out.split('\0') if name]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for top, dirs, files in os.walk(root):
            rel_top = os.path.relpath(top, root)
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith('.venv')
                       and os.path.normpath(os.path.join(rel_top, d)) != KEEP]
            names.extend(os.path.normpath(os.path.join(rel_top, f)) for f in files)
    return {name for name in names if os.path.lexists(os.path.join(root, name)) and not name.startswith(KEEP + '/')}


def same(src: str, dst: str) -> bool:
    """Tell whether dst already mirrors src."""
    if os.path.islink(src) or os.path.islink(dst):
        return os.path.islink(src) and os.path.islink(dst) and os.readlink(src) == os.readlink(dst)
    if not os.path.isfile(dst):
        return False
    s, d = os.stat(src), os.stat(dst)
    return s.st_size == d.st_size and s.st_mtime_ns == d.st_mtime_ns and s.st_mode == d.st_mode


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    root, dest = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    wanted = source_files(root)
    if os.path.islink(dest):  # an older layout linked it to the work tree
        os.unlink(dest)
    os.makedirs(dest, exist_ok=True)

    for top, dirs, files in os.walk(dest, topdown=True):
        rel_top = os.path.relpath(top, dest)
        if rel_top == '.':
            dirs[:] = [d for d in dirs if d != MIRROR_GIT]
        if rel_top == 'tests':
            dirs[:] = [d for d in dirs if d != 'output']
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            rel = os.path.normpath(os.path.join(rel_top, name))
            if rel not in wanted:
                os.unlink(os.path.join(top, name))

    copied = 0
    for rel in sorted(wanted):
        src, dst = os.path.join(root, rel), os.path.join(dest, rel)
        if same(src, dst):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.lexists(dst):
            os.unlink(dst)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
        copied += 1

    for top, dirs, files in os.walk(dest, topdown=False):
        rel_top = os.path.relpath(top, dest)
        if top != dest and not rel_top.startswith((KEEP, MIRROR_GIT)) and not os.listdir(top):
            os.rmdir(top)

    if not os.path.isdir(os.path.join(dest, MIRROR_GIT)):
        subprocess.run(['git', 'init', '--quiet', dest], check=True)
    print('stage_collection: %d files in %s (%d copied)' % (len(wanted), dest, copied))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
