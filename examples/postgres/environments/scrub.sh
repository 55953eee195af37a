#!/bin/sh
# clone_data's scrub step: no personal data reaches dev. The e-mail column is
# blanked, then PostgreSQL stops cleanly before the job VM goes away.
export PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
set -e
pg-up
psql -U postgres -X -q -v ON_ERROR_STOP=1 -c "UPDATE users SET email = ''"
echo "scrubbed: $(psql -U postgres -X -A -t -c "SELECT count(*) FROM users WHERE email <> ''") e-mails left"
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/postgresql/15/main -w stop -m fast
