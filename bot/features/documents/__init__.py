"""Documents: files and links shared in personal chat, filed in the team's SharePoint library
(or under the data directory in local mode), opened only by those entitled.

rules (the gate, names, fragments, signed links; no I/O) · store (the documents table) ·
files (where the bytes live, and fetching what Teams hands over) · service · cards · feature
· downloads (local mode's signed download links).
"""
