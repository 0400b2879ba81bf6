"""Citizens' voices: a forum's comment event with its prize draw, and a session's live questions.

- `comments`: the event's set-up, entries (double opt-in, one per address), moderation, likes,
  the public wall and the moderator's reading list.
- `draw`: the committed seed, the draw itself, a winner who declines, and checking a draw.
- `questions`: live questions from the hall and the stream, votes, moderation, the presenter's
  screen and the export.
- `common`: what they share (who voted, the consent text's version).
"""
