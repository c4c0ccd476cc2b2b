"""A member's own data (Law 25): everything held about them, as a page and as JSON.

service (what is gathered, and the audit entry) · feature (`mes données` in Teams).
"""
