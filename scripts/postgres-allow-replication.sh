#!/bin/sh
# Run once by the postgres image when it creates the database (docker-compose.yml mounts it
# into /docker-entrypoint-initdb.d/): lets the read replica (postgres-replica) stream from
# this server with the same user and password as the site. An existing database: add the same
# line to pg_hba.conf by hand and reload (README: Read replicas).
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
