"""The documentation promises: README commands, generated settings tables, CI entry point."""

from __future__ import annotations

import subprocess
import sys

from e2e_support import ROOT


def test_readme_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```bash") + 1 : lines.index("```")]
    assert block[0].startswith("bash scripts/demo.sh")
    assert block[1].startswith("bash scripts/test.sh")
    assert lines.index("```bash") < 5


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec bash scripts/test.sh" in ci


def test_plugin_settings_tables_are_generated_from_about():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_settings.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_relative_links_in_the_docs_resolve():
    import re

    docs = [
        ROOT / "README.md",
        ROOT / "ARCHITECTURE.md",
        *ROOT.glob("docs/*.md"),
        *ROOT.glob("*/README.md"),
        *ROOT.glob("*/TROUBLESHOOTING.md"),
        *ROOT.glob("*/COVERAGE.md"),
    ]
    broken = []
    for doc in docs:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_changelog_names_the_plugins_version():
    import re

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, flags=re.MULTILINE)
    assert released
    for plugin in ("tap-salesforce-plus", "target-salesforce-contacts"):
        version = subprocess.run(
            [str(ROOT / ".venv" / "bin" / plugin), "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"{plugin} v{released[0]}," in version
        about = subprocess.run(
            [str(ROOT / ".venv" / "bin" / plugin), "--about", "--format=json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f'"version": "{released[0]}"' in about
