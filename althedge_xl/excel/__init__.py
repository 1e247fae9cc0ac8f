"""The Excel face's plumbing: argument coercion, Excel error values, the UDF decorator."""
