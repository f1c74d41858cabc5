"""What a Slack client sends for typed text: escaped, with the mentions a person meant."""

from __future__ import annotations

from localslack.compose import encode, escape
from localslack.models import Channel, User

USERS = [
    User("U0ANA", "ana", "Ana Weber", "Ana"),
    User("U0LEO", "leo", "Leo Martins", "Leo"),
    User("U0OLD", "old", "Old Timer", "old", deleted=True),
]
CHANNELS = [Channel("C0SALES", "sales"), Channel("D0DM", "U0ANA", is_im=True, user="U0ANA")]


def test_escapes_what_slack_escapes() -> None:
    assert escape("a & <b> >") == "a &amp; &lt;b&gt; &gt;"
    assert encode("<!channel> & <@U0ANA>", USERS, CHANNELS) == (
        "&lt;!channel&gt; &amp; &lt;@U0ANA&gt;"
    )


def test_mentions_in_messages_and_in_commands() -> None:
    assert encode("thanks @ana, and @Leo.", USERS, CHANNELS) == "thanks <@U0ANA>, and <@U0LEO>."
    assert encode("delegate @ana", USERS, CHANNELS, command=True) == "delegate <@U0ANA|ana>"
    assert encode("see #sales", USERS, CHANNELS) == "see <#C0SALES|sales>"
    assert encode("@here look", USERS, CHANNELS) == "<!here> look"


def test_what_is_not_a_mention_is_left_alone() -> None:
    assert encode("mail ana@example.com", USERS, CHANNELS) == "mail ana@example.com"
    assert encode("@nobody #nowhere @old", USERS, CHANNELS) == "@nobody #nowhere @old"
    assert encode("issue #42 and #U0ANA", USERS, CHANNELS) == "issue #42 and #U0ANA"
    assert encode("AT&T #1", USERS, CHANNELS) == "AT&amp;T #1"
