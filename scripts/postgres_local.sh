#!/usr/bin/env bash
# A local PostgreSQL for running the project on Postgres (tests, CI, trying it out). Idempotent:
#   - installs Debian's postgresql package when missing (needs root or sudo, as on CI);
#   - creates the Debian cluster when there is none and starts it, without systemd
#     (pg_ctlcluster), listening on 127.0.0.1;
#   - creates (or updates the password of) the dbt login role, which owns the `revops` database,
#     and the read-only BI login role the marts are granted to (it gets CONNECT, nothing more);
#   - prints the environment to use, ready for eval:
#
#       eval "$(scripts/postgres_local.sh)"
#
# Settings (environment): POSTGRES_DB (revops), POSTGRES_USER (revops_dbt), POSTGRES_PASSWORD,
# POSTGRES_BI_USER (bi_reader), POSTGRES_BI_PASSWORD. Without a password, a fixed one meant only
# for a throwaway local server is used: set real ones anywhere else. Progress goes to stderr,
# the exports to stdout.
set -euo pipefail

log() { echo "postgres_local: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Passwords are handed to psql through the environment (psql's \getenv), never on a command line.
as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && sudo --preserve-env=REVOPS_PG_DBT_SECRET,REVOPS_PG_BI_SECRET -u postgres -- "$@")
    fi
}

local_only_dbt_pw="revops-local-dbt"
local_only_bi_pw="revops-local-bi"

db="${POSTGRES_DB:-revops}"
dbt_user="${POSTGRES_USER:-revops_dbt}"
bi_user="${POSTGRES_BI_USER:-bi_reader}"
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    export REVOPS_PG_DBT_SECRET="${local_only_dbt_pw}"
    log "POSTGRES_PASSWORD not set: using the local-only default for ${dbt_user}"
else
    export REVOPS_PG_DBT_SECRET="${POSTGRES_PASSWORD}"
fi
if [ -z "${POSTGRES_BI_PASSWORD:-}" ]; then
    export REVOPS_PG_BI_SECRET="${local_only_bi_pw}"
else
    export REVOPS_PG_BI_SECRET="${POSTGRES_BI_PASSWORD}"
fi

for name in "$db" "$dbt_user" "$bi_user"; do
    if ! [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]]; then
        log "invalid name '$name' (lower-case letters, digits and _ only)"
        exit 2
    fi
done

# 1. The server package.
if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing Debian's postgresql"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"

# 2. The cluster (apt creates `main` unless told not to), started without systemd.
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    log "creating cluster ${version}/main"
    as_root pg_createcluster "$version" main >/dev/null
fi
port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 ~ /online/ { found = 1 } END { exit !found }'; then
    log "starting cluster ${version}/main on port ${port}"
    # Its notes (e.g. "Removed stale pid file") go to stderr: stdout is the exports, for eval.
    as_root pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$port" || { log "server not ready on 127.0.0.1:${port}"; exit 1; }

# 3. Roles and database (each statement only when needed; passwords always reset to the given ones).
as_postgres psql -X -q -p "$port" -d postgres -v ON_ERROR_STOP=1 \
    -v db="$db" -v dbt_user="$dbt_user" -v bi_user="$bi_user" <<'SQL'
\getenv dbt_secret REVOPS_PG_DBT_SECRET
\getenv bi_secret REVOPS_PG_BI_SECRET
select format('create role %I', :'dbt_user')
where not exists (select from pg_roles where rolname = :'dbt_user') \gexec
select format('alter role %I login nosuperuser nocreatedb nocreaterole password %L', :'dbt_user', :'dbt_secret') \gexec
select format('create role %I', :'bi_user')
where not exists (select from pg_roles where rolname = :'bi_user') \gexec
select format('alter role %I login nosuperuser nocreatedb nocreaterole noinherit password %L', :'bi_user', :'bi_secret') \gexec
select format('create database %I owner %I', :'db', :'dbt_user')
where not exists (select from pg_database where datname = :'db') \gexec
select format('alter database %I owner to %I', :'db', :'dbt_user') \gexec
-- Nobody but the owner and the roles named here may connect or create temporary tables.
select format('revoke all on database %I from public', :'db') \gexec
select format('grant connect on database %I to %I', :'db', :'bi_user') \gexec
SQL
# In the database itself: the public schema is the dbt role's, and nobody else may create in it.
as_postgres psql -X -q -p "$port" -d "$db" -v ON_ERROR_STOP=1 -v dbt_user="$dbt_user" <<'SQL'
select format('alter schema public owner to %I', :'dbt_user') \gexec
revoke create on schema public from public;
SQL
log "ready: database ${db} on 127.0.0.1:${port}, dbt role ${dbt_user}, BI role ${bi_user}"

cat <<EOF
export DBT_TARGET=postgres
export POSTGRES_HOST=127.0.0.1
export POSTGRES_PORT=${port}
export POSTGRES_DB=${db}
export POSTGRES_USER=${dbt_user}
export POSTGRES_PASSWORD='${REVOPS_PG_DBT_SECRET//\'/\'\\\'\'}'
export POSTGRES_BI_USER=${bi_user}
export POSTGRES_BI_PASSWORD='${REVOPS_PG_BI_SECRET//\'/\'\\\'\'}'
EOF
