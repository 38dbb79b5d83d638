"""What every live page's socket on one object shares (chat rooms, Q&A sessions): the
member's own rights (accounts.sockets: logged in, session alive, documents accepted) plus a
permission on the watched object, checked against the database on every frame, when told
their rights changed, and before forwarding when the last look is old.

Close codes (accounts.sockets): 4401 not logged in (or logged out), 4403 not allowed here,
4451 documents to accept first (consent), 4400 a frame that is not JSON.
"""

from community.accounts.sockets import (
    BAD_FRAME,
    FORBIDDEN,
    NOT_LOGGED_IN,
    TRY_AGAIN_LATER,
    MemberSocket,
)
from community.groups.policy import remember_memberships

__all__ = ["BAD_FRAME", "FORBIDDEN", "NOT_LOGGED_IN", "TRY_AGAIN_LATER", "RightsCheckedConsumer"]


class RightsCheckedConsumer(MemberSocket):
    """A socket on one object (`watched`) that its user must keep `read_permission` on."""

    read_permission: str = ""
    watched = None

    def forbidden(self, user) -> bool:
        return not user.has_perm(self.read_permission, self.watched)

    def look_up_for(self, users) -> None:
        remember_memberships(users, self.watched.group)
