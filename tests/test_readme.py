"""The README's set-up is what CI runs: every command line of its set-up block appears in
`.ci/run`, so a missing install step fails CI instead of a user."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _setup_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set-up", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    # a command, without its trailing "# comment"
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_set_up():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = _setup_commands()
    assert any(c.startswith("pip install") or " pip install " in c for c in commands)
    assert "ember tour" in commands and "python -m pytest" in commands
    for command in commands:
        assert command in ci, f"the README's set-up runs `{command}`, CI does not"
