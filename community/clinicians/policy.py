"""Who may review clinicians' applications: the organisation's staff (with two-factor)."""

import rules

from community.groups.policy import is_staff

rules.add_perm("clinicians.review", is_staff)
