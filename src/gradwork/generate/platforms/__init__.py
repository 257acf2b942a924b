"""The files `gradwork generate --to gradescope` copies into the autograder it writes (read by generate/export.py)."""
