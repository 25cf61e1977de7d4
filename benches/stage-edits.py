#!/usr/bin/env python3
"""The pre-commit benchmarks' staged change: a few lines inserted in the middle of 10 files spread
over the repository's tree, as a developer's commit would, then staged. Prints the paths.

    benches/stage-edits.py REPO
"""
import os
import subprocess
import sys

repo = sys.argv[1]
files = subprocess.run(["git", "-C", repo, "ls-files"], capture_output=True, text=True,
                       check=True).stdout.split()
picked = [files[i * len(files) // 10 + 7] for i in range(10)]
for k, rel in enumerate(picked):
    p = os.path.join(repo, rel)
    with open(p, encoding="utf-8", errors="surrogateescape") as f:
        lines = f.readlines()
    c = "# " if rel.endswith((".py", ".toml")) else ("// " if rel.endswith(".rs") else "")
    ins = [f"{c}edited for the pre-commit benchmark ({k})\n",
           f"{c}retry_limit = {k + 3}\n",
           f"{c}timeout_ms = {1000 * (k + 1)}\n"]
    mid = len(lines) // 2
    lines[mid:mid] = ins
    with open(p, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.writelines(lines)
subprocess.run(["git", "-C", repo, "add", "--", *picked], check=True)
print("\n".join(picked))
