-- The session lookup every HTTP request makes (api/src/services/accounts.ts `authenticate`).
SELECT sessions.id, sessions.expires_at, sessions.last_seen_at, users.id, users.username
FROM sessions JOIN users ON users.id = sessions.user_id
WHERE sessions.token_hash = sha256(convert_to('t' || :sender, 'UTF8'));
