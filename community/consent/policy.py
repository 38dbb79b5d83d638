"""Who may draft and publish consent documents (staff), and the consent predicate that
other apps' rules combine with theirs."""

import rules

from community.groups.policy import is_staff

from .state import has_accepted_required_documents

rules.add_perm("consent.manage_documents", is_staff)


@rules.predicate
def has_current_consents(user) -> bool:
    """Live features (chat, Q&A) ask this on every action, not only at the page gate."""
    return has_accepted_required_documents(user)
