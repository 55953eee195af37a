#!/bin/sh
# The startup-script of a database VM: PostgreSQL on its data disk, and the
# application's table (made once; the rows live on the disk).
export PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
pg-up || exit 1
psql -U postgres -X -q -v ON_ERROR_STOP=1 \
  -c 'CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, name text NOT NULL, email text)'
