"""Who may draft and publish consent documents: the organisation's staff."""

import rules

from community.groups.policy import is_staff

rules.add_perm("consent.manage_documents", is_staff)
