def progress(done: int, total: int, width: int = 30) -> str:
    """A text progress bar: [#########-----] 4,000 of 10,000 rows (40%)."""
    share = done / total if total else 1
    filled = round(width * share)
    return f"[{'#' * filled}{'-' * (width - filled)}] {done:,} of {total:,} rows ({share:.0%})"
