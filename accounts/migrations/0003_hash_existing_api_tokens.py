"""Move the keys of DRF's authtoken table (stored in clear) into ApiToken as SHA-256 hashes.

Each existing key keeps working once hashed: a read-write token named 迁移的令牌, valid for
API_TOKEN_DAYS from the migration. The clear keys are then deleted from authtoken_token (the
app is no longer installed; its empty table is left for the operator to drop). Not
reversible in the sense of bringing the clear keys back: nobody can, by design.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations

TABLE = "authtoken_token"


def hash_existing_tokens(apps, schema_editor):
    from accounts import clock

    connection = schema_editor.connection
    if TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    expires = clock.now() + timedelta(days=getattr(settings, "API_TOKEN_DAYS", 90))
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id FROM {table}")
        rows = cursor.fetchall()
        for key, user_id in rows:
            ApiToken.objects.create(
                user_id=user_id,
                name="迁移的令牌",
                prefix=key[:8],
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                scope="WRITE",
                expires_at=expires,
            )
        cursor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_token")]

    operations = [
        migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop, elidable=True)
    ]
