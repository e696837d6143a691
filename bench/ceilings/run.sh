#!/usr/bin/env bash
# `npm run bench:ceilings`: the ceilings of this machine's PostgreSQL and Redis
# for what a chat instance asks of them per message (docs/scaling.md).
# PostgreSQL: pgbench, 20 s per script, on a database of the chat's schema with
# 1,000 direct conversations and one group of 100 (dropped at the end). Redis: redis-benchmark
# PUBLISH of a message-sized payload to a channel with 1 and with 8 subscribers (instances), bounded
# by -n (Redis 7.0's redis-benchmark has no `-t publish`: the command is given).
# Both are bounded: this machine is shared.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/opt/node24/bin:$PATH
SERVER_URL=${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
REDIS_HOST=${BENCH_REDIS_HOST:-127.0.0.1}
DB=chat_ceilings_$$
CLIENTS=${CLIENTS:-8}
psql -q "$SERVER_URL" -c "CREATE DATABASE $DB"
trap 'rm -rf "${SCRIPTS:-}"; psql -q "$SERVER_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
DB_URL="${SERVER_URL%/*}/$DB"
DATABASE_URL="$DB_URL" npx tsx api/src/scripts/migrate.ts >/dev/null
psql -q "$DB_URL" <<'SQL'
INSERT INTO users (id, username, username_key, email, password_hash)
SELECT n, 'u' || n, 'u' || n, 'bench@example.com', '!' FROM generate_series(1, 2000) AS n;
INSERT INTO sessions (id, token_hash, user_id, expires_at)
SELECT gen_random_uuid(), sha256(convert_to('t' || n, 'UTF8')), n, now() + interval '1 day'
FROM generate_series(1, 2000) AS n;
INSERT INTO conversations (id, kind, direct_key) SELECT n, 'DIRECT', (2 * n - 1) || ':' || (2 * n) FROM generate_series(1, 1000) AS n;
INSERT INTO conversation_members (conversation_id, user_id)
SELECT n, 2 * n - side FROM generate_series(1, 1000) AS n, (VALUES (0), (1)) AS sides(side);
INSERT INTO conversations (id, kind, title) VALUES (1001, 'GROUP', 'one group of 100');
INSERT INTO conversation_members (conversation_id, user_id) SELECT 1001, n FROM generate_series(1, 100) AS n;
ANALYZE;
SQL
# The scripts, put together from one copy of each statement: a direct send's write alone; a send
# over HTTP (session lookup, write); a send to the one group of 100 (every client to the same
# group: one conversation's ceiling) with its access check and lock.
SCRIPTS=$(mktemp -d)
DIRECT='\set pair random(1, 1000)
\set side random(0, 1)
\set sender 2 * :pair - :side
\set peer 2 * :pair - 1 + :side
\set conversation :pair
\set client random(1, 1000000000000000)'
GROUP='\set sender random(1, 100)
\set peer 0
\set conversation 1001
\set client random(1, 1000000000000000)'
C=bench/ceilings
{ echo "$DIRECT"; cat $C/write.sql; } >"$SCRIPTS/write.sql"
{ echo "$DIRECT"; cat $C/lookup.sql $C/write.sql; } >"$SCRIPTS/http-send.sql"
{ echo "$GROUP"; cat $C/lookup.sql $C/group-access.sql $C/write.sql; echo 'COMMIT;'; } >"$SCRIPTS/group-send.sql"
# Unreported: fills the caches and grows the WAL, so that the first measured script is not the cold one.
pgbench -n -M prepared -c "$CLIENTS" -j 2 -T 5 -f "$SCRIPTS/write.sql" "$DB_URL" >/dev/null
for script in write http-send group-send; do
  echo "== pgbench: $script, $CLIENTS clients, 20 s, prepared statements"
  pgbench -n -M prepared -c "$CLIENTS" -j 2 -T 20 -f "$SCRIPTS/$script.sql" "$DB_URL" |
    grep -E "^(number of transactions actually processed|latency average|tps)"
done

echo "== what the messages written take on disk, indexes included"
psql -At "$DB_URL" -c "SELECT count(*) || ' messages, ' || pg_total_relation_size('messages') / count(*) || ' bytes each' FROM messages"

# Every instance subscribes to the one channel of user events: a PUBLISH is written to each of them.
CHANNEL="chat-ceilings-$$:users"
SUBSCRIBERS=()
trap 'kill "${SUBSCRIBERS[@]}" 2>/dev/null; rm -rf "$SCRIPTS"; psql -q "$SERVER_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
PAYLOAD=$(head -c 500 /dev/zero | tr '\0' 'm')
for instances in 1 8; do
  while [ "${#SUBSCRIBERS[@]}" -lt "$instances" ]; do
    redis-cli -h "$REDIS_HOST" subscribe "$CHANNEL" >/dev/null &
    SUBSCRIBERS+=($!)
  done
  sleep 0.5
  echo "== redis-benchmark: PUBLISH of a 500-byte message to a channel with $instances subscriber(s)"
  for pipeline in 1 16; do
    echo "-- 50 connections, pipeline $pipeline"
    redis-benchmark -h "$REDIS_HOST" -q -n 200000 -c 50 -P "$pipeline" PUBLISH "$CHANNEL" "$PAYLOAD" |
      tr '\r' '\n' | grep -v '^$' | tail -1 | sed "s/$PAYLOAD/<500 bytes>/"
  done
done
echo "-- the send rate limiter's script as each send runs it (its keys expire in 60 s), 50 connections, pipeline 1"
SCRIPT=$(node -e "
  const source = require('fs').readFileSync('node_modules/rate-limiter-flexible/lib/RateLimiterRedis.js', 'utf8');
  process.stdout.write(eval(source.match(/const incrTtlLuaScript = (\`[^\`]*\`)/)[1]));")
redis-benchmark -h "$REDIS_HOST" -q -n 200000 -c 50 -r 100000 EVAL "$SCRIPT" 1 "chat-ceilings-$$:limit:__rand_int__" 1 60 |
  tr '\r' '\n' | grep -v '^$' | tail -1 | sed 's/^.*: \([0-9.]* requests per second.*\)$/EVAL (limiter): \1/'
