"""The production stack can run `manage.py backup` (README 备份与恢复): the image has the
PostgreSQL client, and the web service writes backups to a volume of their own."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent


def test_web_writes_backups_to_their_own_named_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    web = compose["services"]["web"]

    assert "backups" in compose["volumes"]
    assert "backups:/var/lib/ducha/backups" in web["volumes"]
    # the command's default output folder is VAR_DIR/backups
    assert web["environment"]["VAR_DIR"] == "/var/lib/ducha"
    # and web still has the state and the evidence every app service mounts
    assert {"var:/var/lib/ducha", "media:/var/lib/ducha/media"} <= set(web["volumes"])


def test_the_image_has_pg_dump_and_a_backups_folder_its_user_owns():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    install = re.search(r"apt-get install [^&]*", dockerfile).group(0)
    assert "postgresql-client" in install.split()
    assert re.search(r"mkdir -p [^&]*/var/lib/ducha/backups", dockerfile)
    assert "chown -R ducha:ducha /var/lib/ducha" in dockerfile
