"""Stage 8, filing: the Ministry's upload package, its verification and its summary table.

``package`` writes the package, ``verify`` checks a package's files, ``summary`` writes the
project summary row.
"""
