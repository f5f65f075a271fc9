-- The users table kept the display name of everyone who ever said hello (hosts, viewers, people
-- who never joined a room) and their tokens' emails, and nothing read it. Names are kept only
-- beside the session results that need them (session_participants), and no email at all.
-- secure_delete overwrites the freed pages, so that the names do not linger in the file.
PRAGMA secure_delete = ON;
DROP TABLE users;
