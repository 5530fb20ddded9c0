#!/bin/bash
# How this fixture was made: a home made and used by Tickwork at commit 706479b (schema 3),
# for tests/store/test_upgrade_from_old_code.py. Run from a checkout of this repository:
#   git worktree add /tmp/old-v3 706479b && tests/store/upgrade_v3/make.sh /tmp/old-v3 /tmp/fx3
# then dump HOME/tickwork.db to store.sql and HOME.backup.db to backup.sql (sqlite3 .dump),
# copy HOME.export.json to export.json and the keyring file's entries, without their slot
# prefix, to keyring.json. Any Python with this repository's dependencies runs the old code.
set -u
OLD=$1; H=$2; PY=${PYTHON:-python3}
export PYTHONPATH=$OLD PYTHON_KEYRING_BACKEND=tests.support.file_keyring.FileKeyring
export TICKWORK_TEST_KEYRING=$H.keyring.json TZ=UTC
tw() { "$PY" "$OLD/main.py" --home "$H" "$@" || echo "FAILED: $*"; }
printf 's3cret-value' | tw secret set token
tw task add echo-cmd --command "echo hi" --every 2s
tw task add py-job --python tests.support.actions:noop --every 3s
tw task add cron-job --command "echo cron" --cron "*/5 * * * * *" --tz Europe/Paris
tw task add once --command "echo once" --at "$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S+00:00)"
tw task add later --command "echo later" --at 2099-01-01T00:00:00+00:00
tw task add dep --command "echo dep" --every 3s --depends-on echo-cmd
tw task add chain --command "echo chain" --after py-job
tw task add fb --command "echo fallback ran" --manual
tw task add failing --command "false" --every 4s --retries 1 --retry-delay 1s --fallback fb
tw task add grp1 --command "sleep 0.5" --every 2s --group disk:1
tw task add grp2 --command "sleep 0.5" --every 2s --group disk:1 --priority 5
tw task add secret-job --shell --command 'echo token=$TOKEN' --secret-env TOKEN=token --every 5s
tw task add steps --python tests.support.actions:count_to --kwargs '{"n": 3, "path": "/dev/null"}' \
    --every 6s
tw task add tagged --command "true" --manual --tag a --tag b --description "a note" --disabled \
    --env A=1
tw task add cal --command true --calendar 1mo@02:00 --catch-up all
tw task run tagged
tw task pause cal
timeout -s INT 9 "$PY" "$OLD/main.py" --home "$H" engine > "$H.engine.log" 2>&1
tw backup "$H.backup.db"
tw task add after-backup --command "echo new" --manual
tw task update tagged --description "changed after the backup"
tw export "$H.export.json"
tw audit --verify
