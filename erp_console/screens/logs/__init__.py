"""The Logs tab of screen 4: filter bar, level counts, the paged lines, the whole line below."""
