"""``matchmaker keys``: create (shown once), list (never the key), revoke."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_org
from matchmaker.cli import main
from matchmaker.store import Store


def test_keys_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "keys.db")
    with Store(db) as store:
        store.import_organisations([make_org()])
    assert main(["keys", "create", "--role", "member", "--subject", "nanomat", "--db", db]) == 0
    out = capsys.readouterr().out
    key = next(w for w in out.split() if w.startswith("mm_"))
    key_id = key.split("_")[1]
    with Store(db) as store:
        record = store.authenticate(key)
        assert record is not None
        assert (record.role, record.subject, record.name) == ("member", "nanomat", "member key")

    assert main(["keys", "list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert key_id in listed
    assert key not in listed
    assert "active" in listed

    assert main(["keys", "revoke", key_id, "--db", db]) == 0
    assert f"key {key_id} revoked" in capsys.readouterr().out
    with Store(db) as store:
        assert store.authenticate(key) is None
    assert main(["keys", "revoke", key_id, "--db", db]) == 0
    assert "revoked already" in capsys.readouterr().out


def test_keys_errors_are_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "keys.db")
    assert main(["keys", "create", "--role", "member", "--subject", "ghost", "--db", db]) == 1
    assert "organisation 'ghost' is not in the database" in capsys.readouterr().err
    assert main(["keys", "revoke", "deadbeef", "--db", db]) == 1
    assert "key 'deadbeef' is not in the database" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["keys", "create", "--role", "wizard", "--db", db])
    assert info.value.code == 2


def test_core_command_line_does_not_import_fastapi() -> None:
    import subprocess
    import sys

    code = (
        "import sys, matchmaker.cli as c\n"
        "c.main(['keys', 'list', '--db', ':memory:'])\n"
        "assert 'fastapi' not in sys.modules, 'fastapi imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
