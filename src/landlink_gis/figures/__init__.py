"""Stage 4, the figures: the land-use survey under the plots, the quota basis and the balance.

``landuse`` (survey pairs, quota basis, cultivated land under the plots, the land-use change
table) and ``balance`` (the balance figures and their table).
"""
