"""Stage 0, the base: what every later stage knows and nothing else.

Errors, canonical field names, layer roles, the output contract, CRS knowledge, redaction of
secrets, land-class codes, provincial profiles, working days and the finding model. Nothing here
reads data or imports a later stage.
"""
