-- Who created the room a session was held in: the user id (the token's `sub`) only, no name or
-- email. The creator may read the session's summary and the room's session list after the room
-- has closed. Sessions stored before this column have no creator (NULL).
ALTER TABLE sessions ADD COLUMN created_by TEXT;
