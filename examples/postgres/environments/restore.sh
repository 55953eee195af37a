#!/bin/sh
# clone_data's restore step (in a job VM of the source's image, dev's cloned
# data disk attached): the newest backup, $IMAGO_BACKUP, replaces what the
# snapshot holds.
export PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
set -e
pg-up
gunzip -c "$IMAGO_BACKUP" | psql -U postgres -X -q -v ON_ERROR_STOP=1 >/dev/null
echo "restored $(psql -U postgres -X -A -t -c 'SELECT count(*) FROM users') rows of users from $IMAGO_CLONE_FROM's backup"
