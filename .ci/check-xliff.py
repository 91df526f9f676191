#!/usr/bin/env python3
"""Round-trip every demo locale through an independent XLIFF 2.0 implementation (translate-toolkit):
cobrand exports XLIFF, translate-toolkit parses it and writes it back, cobrand imports that file into a
copy of the project, and the locale's catalog must be unchanged.

    python3 .ci/check-xliff.py path/to/cobrand
"""
import glob, os, shutil, subprocess, sys, tempfile
import yaml
from translate.storage import xliff2

cobrand = sys.argv[1]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATEGORIES = {"zero", "one", "two", "few", "many", "other"}


def flat(tree, prefix=""):
    out = {}
    for key, value in (tree or {}).items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not set(value) <= CATEGORIES:
            out.update(flat(value, path))
        else:
            out[path] = value
    return out


def catalog(project, locale):
    out = {}
    for path in sorted(glob.glob(os.path.join(project, "Locales", locale, "*.yaml"))):
        out.update(flat(yaml.safe_load(open(path, encoding="utf-8"))))
    return out


passed = failed = 0
work = tempfile.mkdtemp(prefix="cobrand-xliff-")
try:
    project = os.path.join(work, "project")
    os.makedirs(project)
    for item in ["cobrand.yaml", "Templates", "Locales", "Assets"]:
        source = os.path.join(root, item)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, os.path.join(project, item))
    locales = sorted(d for d in os.listdir(os.path.join(project, "Locales")) if d != "en-US")
    for locale in locales:
        exported = os.path.join(work, f"{locale}.xlf")
        subprocess.run([cobrand, "locales", "export", "--project", project, "--locale", locale, "--out", exported],
                       check=True, stdout=subprocess.DEVNULL)
        store = xliff2.Xliff2File.parsefile(exported)
        units = [u for u in store.units if u.getid()]
        rewritten = os.path.join(work, f"{locale}.tt.xlf")
        with open(rewritten, "wb") as out:
            out.write(bytes(store))
        before = catalog(project, locale)
        imported = subprocess.run([cobrand, "locales", "import", "--project", project, rewritten], stdout=subprocess.DEVNULL)
        after = catalog(project, locale)
        if imported.returncode == 0 and before == after and len(units) >= len(before):
            passed += 1
            print(f"{locale}: {len(units)} units round-tripped through translate-toolkit, catalog unchanged")
        else:
            failed += 1
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            print(f"{locale}: catalog changed after the round trip: {changed[:5]}")
finally:
    shutil.rmtree(work, ignore_errors=True)
print(f"check-xliff: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
